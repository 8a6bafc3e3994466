import { Link, useNavigate } from '@tanstack/react-router';
import { useQueryClient } from '@tanstack/react-query';
import { ErrorMessage } from '../../components/error-display.tsx';
import { AuthCard } from '../../components/public-layout.tsx';
import { Button } from '../../components/ui/button.tsx';
import { Field, Input } from '../../components/ui/field.tsx';
import { useT } from '../../i18n/index.tsx';
import { useForm } from '../../lib/use-form.ts';
import { signup } from './api.ts';
import { fieldError } from './field-error.ts';
import { PASSWORD_MIN_LENGTH, signupSchema } from './schemas.ts';

/** Sign up: one form makes the user, the tenant and the owner membership; it lands on the overview. */
export function SignupPage() {
  const t = useT();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const form = useForm(
    signupSchema,
    async (values) => {
      await signup(values);
      queryClient.clear();
      await navigate({ to: '/overview' });
    },
    ['email', 'password', 'name', 'tenantName'],
  );
  const e = (f: string) => fieldError(form.fieldErrors[f], t);
  return (
    <AuthCard title={t('signup.title')}>
      <form noValidate onSubmit={form.onSubmit} className="space-y-4">
        <ErrorMessage error={form.error} />
        <Field label={t('field.name')} error={e('name')}>
          <Input name="name" autoComplete="name" required />
        </Field>
        <Field label={t('field.tenantName')} error={e('tenantName')} hint={t('signup.tenantHint')}>
          <Input name="tenantName" autoComplete="organization" required />
        </Field>
        <Field label={t('field.email')} error={e('email')}>
          <Input name="email" type="email" autoComplete="email" required />
        </Field>
        <Field label={t('field.password')} error={e('password')} hint={t('field.passwordHint', { min: PASSWORD_MIN_LENGTH })}>
          <Input name="password" type="password" autoComplete="new-password" required />
        </Field>
        <Button type="submit" className="w-full" pending={form.pending}>
          {t('signup.submit')}
        </Button>
      </form>
      <p className="mt-6 text-sm">
        {t('signup.haveAccount')}{' '}
        <Link to="/login" className="text-indigo-700 underline dark:text-indigo-300">
          {t('login.submit')}
        </Link>
      </p>
    </AuthCard>
  );
}
