import { getRouteApi, Link, useNavigate } from '@tanstack/react-router';
import { useQueryClient } from '@tanstack/react-query';
import { ErrorMessage } from '../../components/error-display.tsx';
import { AuthCard } from '../../components/public-layout.tsx';
import { Button } from '../../components/ui/button.tsx';
import { Field, Input } from '../../components/ui/field.tsx';
import { useT } from '../../i18n/index.tsx';
import { useForm } from '../../lib/use-form.ts';
import { login } from './api.ts';
import { fieldError } from './field-error.ts';
import { loginSchema } from './schemas.ts';

const route = getRouteApi('/public/login');

/** Sign in, then go back to the page asked for (or the overview). A user of several tenants switches from the header. */
export function LoginPage() {
  const t = useT();
  const search = route.useSearch();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const form = useForm(
    loginSchema,
    async (values) => {
      const tokens = await login(values);
      queryClient.clear();
      if (search.redirect) await navigate({ href: search.redirect });
      else await navigate({ to: tokens.tenant ? '/overview' : '/admin' });
    },
    ['email', 'password'],
  );
  const e = (f: string) => fieldError(form.fieldErrors[f], t);
  return (
    <AuthCard title={t('login.title')}>
      <form noValidate onSubmit={form.onSubmit} className="space-y-4">
        <ErrorMessage error={form.error} />
        <Field label={t('field.email')} error={e('email')}>
          <Input name="email" type="email" autoComplete="username" defaultValue={search.email} required />
        </Field>
        <Field label={t('field.password')} error={e('password')}>
          <Input name="password" type="password" autoComplete="current-password" required />
        </Field>
        <Button type="submit" className="w-full" pending={form.pending}>
          {t('login.submit')}
        </Button>
      </form>
      <div className="mt-6 flex flex-wrap justify-between gap-2 text-sm">
        <Link to="/forgot-password" className="text-indigo-700 underline dark:text-indigo-300">
          {t('login.forgot')}
        </Link>
        <Link to="/signup" className="text-indigo-700 underline dark:text-indigo-300">
          {t('login.signup')}
        </Link>
      </div>
    </AuthCard>
  );
}
