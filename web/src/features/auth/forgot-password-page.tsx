import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { ErrorMessage } from '../../components/error-display.tsx';
import { AuthCard } from '../../components/public-layout.tsx';
import { Button } from '../../components/ui/button.tsx';
import { Field, Input } from '../../components/ui/field.tsx';
import { useT } from '../../i18n/index.tsx';
import { useForm } from '../../lib/use-form.ts';
import { requestPasswordReset } from './api.ts';
import { fieldError } from './field-error.ts';
import { forgotSchema } from './schemas.ts';

/** The answer is the same whether the address has an account or not (the API's rule too). */
export function ForgotPasswordPage() {
  const t = useT();
  const [sent, setSent] = useState(false);
  const form = useForm(forgotSchema, async ({ email }) => {
    await requestPasswordReset(email);
    setSent(true);
  }, ['email']);
  return (
    <AuthCard title={t('forgot.title')}>
      {sent ? (
        <p role="status" className="text-zinc-800 dark:text-zinc-200">
          {t('forgot.sent')}
        </p>
      ) : (
        <form noValidate onSubmit={form.onSubmit} className="space-y-4">
          <p className="text-sm text-zinc-700 dark:text-zinc-300">{t('forgot.intro')}</p>
          <ErrorMessage error={form.error} />
          <Field label={t('field.email')} error={fieldError(form.fieldErrors.email, t)}>
            <Input name="email" type="email" autoComplete="email" required />
          </Field>
          <Button type="submit" className="w-full" pending={form.pending}>
            {t('forgot.submit')}
          </Button>
        </form>
      )}
      <Link to="/login" className="mt-6 inline-block text-sm text-indigo-700 underline dark:text-indigo-300">
        {t('forgot.back')}
      </Link>
    </AuthCard>
  );
}
