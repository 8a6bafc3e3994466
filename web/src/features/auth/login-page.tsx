import { getRouteApi, Link, useNavigate } from '@tanstack/react-router';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { MyTenant } from '../../api/views.ts';
import { ErrorMessage } from '../../components/error-display.tsx';
import { AuthCard } from '../../components/public-layout.tsx';
import { Button } from '../../components/ui/button.tsx';
import { Field, Input } from '../../components/ui/field.tsx';
import { useT } from '../../i18n/index.tsx';
import { useForm } from '../../lib/use-form.ts';
import { getMe, login, switchTenant } from './api.ts';
import { fieldError } from './field-error.ts';
import { lastTenantOf, rememberTenant } from './last-tenant.ts';
import { loginSchema } from './schemas.ts';

const route = getRouteApi('/public/login');

interface Choice {
  userId: string;
  tenants: MyTenant[];
  /** Preselected: the tenant last used on this browser, else the one the server opened. */
  preselected: string;
  /** The tenant the session is in now. */
  current: string;
}

/**
 * Sign in, then go back to the page asked for (or the overview). A user of several tenants chooses
 * one first, with the last one used preselected; the header's switcher changes it later.
 */
export function LoginPage() {
  const t = useT();
  const search = route.useSearch();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [choice, setChoice] = useState<Choice | null>(null);

  async function enter(toTenant: boolean): Promise<void> {
    queryClient.clear();
    if (search.redirect) await navigate({ href: search.redirect });
    else await navigate({ to: toTenant ? '/overview' : '/admin' });
  }

  const form = useForm(
    loginSchema,
    async (values) => {
      const tokens = await login(values);
      if (!tokens.tenant) return enter(false);
      const me = await getMe();
      if (me.tenants.length < 2) {
        rememberTenant(tokens.userId, tokens.tenant.id);
        return enter(true);
      }
      const last = lastTenantOf(tokens.userId);
      const preselected = me.tenants.some((m) => m.id === last) && last ? last : tokens.tenant.id;
      setChoice({ userId: tokens.userId, tenants: me.tenants, preselected, current: tokens.tenant.id });
    },
    ['email', 'password'],
  );
  const e = (f: string) => fieldError(form.fieldErrors[f], t);

  if (choice) return <TenantChooser choice={choice} onChosen={() => enter(true)} />;
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

/** The second step of signing in for a member of several tenants: which one to open. */
function TenantChooser({ choice, onChosen }: { choice: Choice; onChosen: () => Promise<void> }) {
  const t = useT();
  const [chosen, setChosen] = useState(choice.preselected);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function open(): Promise<void> {
    setPending(true);
    setError(null);
    try {
      if (chosen === choice.current) rememberTenant(choice.userId, chosen);
      else await switchTenant(chosen);
      await onChosen();
    } catch (failure) {
      setError(failure);
      setPending(false);
    }
  }

  return (
    <AuthCard title={t('login.chooseTenant')}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void open();
        }}
        className="space-y-4"
      >
        <ErrorMessage error={error} />
        <fieldset className="space-y-2">
          <legend className="mb-2 text-sm text-zinc-700 dark:text-zinc-300">{t('login.chooseTenantHint')}</legend>
          {choice.tenants.map((tenant) => (
            <label
              key={tenant.id}
              className="flex cursor-pointer items-center gap-3 rounded-md border border-zinc-300 p-3 text-sm has-[:checked]:border-indigo-600 dark:border-zinc-700 dark:has-[:checked]:border-indigo-400"
            >
              <input type="radio" name="tenant" value={tenant.id} checked={chosen === tenant.id} onChange={() => setChosen(tenant.id)} className="size-4 accent-indigo-600" />
              <span className="min-w-0 flex-1">
                <span className="block truncate font-medium text-zinc-900 dark:text-zinc-100">{tenant.name}</span>
                <span className="block text-zinc-600 dark:text-zinc-400">
                  {t(`role.${tenant.role}`)}
                  {tenant.status !== 'active' && ` · ${t(`tenantStatus.${tenant.status}`)}`}
                </span>
              </span>
            </label>
          ))}
        </fieldset>
        <Button type="submit" className="w-full" pending={pending}>
          {t('login.continue')}
        </Button>
      </form>
    </AuthCard>
  );
}
