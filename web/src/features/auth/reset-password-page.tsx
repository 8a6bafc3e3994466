import { Link, useRouterState, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { ErrorMessage } from '../../components/error-display.tsx';
import { AuthCard } from '../../components/public-layout.tsx';
import { Button } from '../../components/ui/button.tsx';
import { Field, Input } from '../../components/ui/field.tsx';
import { useT } from '../../i18n/index.tsx';
import { useForm } from '../../lib/use-form.ts';
import { confirmPasswordReset } from './api.ts';
import { fieldError } from './field-error.ts';
import { PASSWORD_MIN_LENGTH, resetSchema } from './schemas.ts';

/** The reset link and the set-password link of admin-created owners both land here. */
export function ResetPasswordPage() {
  const t = useT();
  const { token } = useSearch({ strict: false }) as { token?: string };
  const settingFirst = useRouterState({ select: (s) => s.location.pathname === '/set-password' });
  const [done, setDone] = useState(false);
  const form = useForm(resetSchema, async ({ password }) => {
    await confirmPasswordReset(token ?? '', password);
    setDone(true);
  }, ['password', 'confirm']);
  const e = (f: string) => fieldError(form.fieldErrors[f], t);
  return (
    <AuthCard title={t(settingFirst ? 'reset.setTitle' : 'reset.title')}>
      {!token ? (
        <p role="alert">{t('reset.noToken')}</p>
      ) : done ? (
        <div role="status" className="space-y-4">
          <p>{t('reset.done')}</p>
          <Link to="/login" className="text-indigo-700 underline dark:text-indigo-300">
            {t('login.submit')}
          </Link>
        </div>
      ) : (
        <form noValidate onSubmit={form.onSubmit} className="space-y-4">
          <ErrorMessage error={form.error} />
          <Field label={t('field.newPassword')} error={e('password')} hint={t('field.passwordHint', { min: PASSWORD_MIN_LENGTH })}>
            <Input name="password" type="password" autoComplete="new-password" required />
          </Field>
          <Field label={t('field.confirmPassword')} error={e('confirm')}>
            <Input name="confirm" type="password" autoComplete="new-password" required />
          </Field>
          <Button type="submit" className="w-full" pending={form.pending}>
            {t('reset.submit')}
          </Button>
        </form>
      )}
    </AuthCard>
  );
}
