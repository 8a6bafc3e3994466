import { useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { ErrorMessage } from '../../components/error-display.tsx';
import { AuthCard } from '../../components/public-layout.tsx';
import { Button } from '../../components/ui/button.tsx';
import { Field, Input } from '../../components/ui/field.tsx';
import { useT } from '../../i18n/index.tsx';
import { useForm } from '../../lib/use-form.ts';
import { acceptInvitation, login, switchTenant } from './api.ts';
import { fieldError } from './field-error.ts';
import { acceptExistingSchema, acceptNewSchema, PASSWORD_MIN_LENGTH } from './schemas.ts';
import { useSession } from './use-session.ts';

type Mode = 'new' | 'existing';

/**
 * Accept an invitation: a new user chooses a name and a password; an existing one proves the
 * account with its password (or with the session it is signed in with). Then it is signed in to
 * the tenant it joined. The email is asked only to sign in afterwards (the token names the address).
 */
export function AcceptInvitationPage() {
  const t = useT();
  const { token } = useSearch({ strict: false }) as { token?: string };
  const signedIn = useSession();
  const [mode, setMode] = useState<Mode>('new');
  const [joinError, setJoinError] = useState<unknown>(null);
  const [joining, setJoining] = useState(false);
  const navigate = useNavigate();
  const queryClient = useQueryClient();

  const finish = async () => {
    queryClient.clear();
    await navigate({ to: '/overview' });
  };
  const newForm = useForm(acceptNewSchema, async ({ email, name, password }) => {
    const accepted = await acceptInvitation({ token: token ?? '', name, password });
    await login({ email, password, tenant: accepted.tenantId });
    await finish();
  }, ['email', 'name', 'password']);
  const existingForm = useForm(acceptExistingSchema, async ({ email, password }) => {
    const accepted = await acceptInvitation({ token: token ?? '', password });
    await login({ email, password, tenant: accepted.tenantId });
    await finish();
  }, ['email', 'password']);

  async function joinSignedIn(): Promise<void> {
    setJoining(true);
    setJoinError(null);
    try {
      const accepted = await acceptInvitation({ token: token ?? '' });
      await switchTenant(accepted.tenantId);
      await finish();
    } catch (error) {
      setJoinError(error);
    } finally {
      setJoining(false);
    }
  }

  if (!token) {
    return (
      <AuthCard title={t('accept.title')}>
        <p role="alert">{t('accept.noToken')}</p>
      </AuthCard>
    );
  }
  const form = mode === 'new' ? newForm : existingForm;
  const e = (f: string) => fieldError(form.fieldErrors[f], t);
  return (
    <AuthCard title={t('accept.title')}>
      {signedIn && (
        <div className="mb-6 space-y-3 rounded-md bg-zinc-100 p-4 dark:bg-zinc-800">
          <p className="text-sm">{t('accept.signedIn')}</p>
          <ErrorMessage error={joinError} />
          <Button onClick={() => void joinSignedIn()} pending={joining}>
            {t('accept.joinSignedIn')}
          </Button>
        </div>
      )}
      <div role="radiogroup" aria-label={t('accept.modeLabel')} className="mb-4 grid grid-cols-2 gap-2">
        {(['new', 'existing'] as const).map((m) => (
          <Button key={m} role="radio" aria-checked={mode === m} variant={mode === m ? 'primary' : 'secondary'} size="sm" onClick={() => setMode(m)}>
            {t(m === 'new' ? 'accept.modeNew' : 'accept.modeExisting')}
          </Button>
        ))}
      </div>
      <form key={mode} noValidate onSubmit={form.onSubmit} className="space-y-4">
        <ErrorMessage error={form.error} />
        <Field label={t('field.email')} error={e('email')} hint={t('accept.emailHint')}>
          <Input name="email" type="email" autoComplete="email" required />
        </Field>
        {mode === 'new' && (
          <Field label={t('field.name')} error={e('name')}>
            <Input name="name" autoComplete="name" required />
          </Field>
        )}
        <Field
          label={t('field.password')}
          error={e('password')}
          hint={mode === 'new' ? t('field.passwordHint', { min: PASSWORD_MIN_LENGTH }) : undefined}
        >
          <Input name="password" type="password" autoComplete={mode === 'new' ? 'new-password' : 'current-password'} required />
        </Field>
        <Button type="submit" className="w-full" pending={form.pending}>
          {t('accept.submit')}
        </Button>
      </form>
    </AuthCard>
  );
}
