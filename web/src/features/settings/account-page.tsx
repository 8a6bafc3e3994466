import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { SessionView } from '../../api/views.ts';
import { z } from 'zod';
import { ErrorMessage } from '../../components/error-display.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { Button } from '../../components/ui/button.tsx';
import { Badge, Card, CardTitle, Spinner } from '../../components/ui/card.tsx';
import { type Column, DataTable } from '../../components/ui/data-table.tsx';
import { Field, Input } from '../../components/ui/field.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { useForm } from '../../lib/use-form.ts';
import { fieldError } from '../auth/field-error.ts';
import { anyPassword, newPassword, PASSWORD_MIN_LENGTH } from '../auth/schemas.ts';
import { useMe } from '../auth/use-session.ts';
import { changePassword, listSessions, revokeSession, updateProfile } from './api.ts';

const profileSchema = z.object({ name: z.string().trim().min(1, { error: 'required' }).max(100) });
const passwordSchema = z.object({ currentPassword: anyPassword, newPassword });

/** The user's own account: profile, password, and sessions (each revocable). */
export function AccountPage() {
  const { t } = useI18n();
  const me = useMe();
  return (
    <>
      <PageHeader title={t('account.title')} />
      {me.isPending && <Spinner label={t('common.loading')} />}
      {me.data && (
        <div className="space-y-6">
          <Profile name={me.data.user.name} email={me.data.user.email} />
          <Password />
          <Sessions />
        </div>
      )}
    </>
  );
}

function Profile({ name, email }: { name: string; email: string }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [saved, setSaved] = useState(false);
  const form = useForm(profileSchema, async (values) => {
    await updateProfile(values);
    await queryClient.invalidateQueries({ queryKey: ['me'] });
    setSaved(true);
  }, ['name']);
  return (
    <Card>
      <CardTitle>{t('account.profile')}</CardTitle>
      <form noValidate onSubmit={form.onSubmit} className="grid gap-4 sm:grid-cols-2">
        <Field label={t('field.name')} error={fieldError(form.fieldErrors.name, t)}>
          <Input name="name" defaultValue={name} autoComplete="name" />
        </Field>
        <Field label={t('field.email')}>
          <Input value={email} readOnly />
        </Field>
        <div className="space-y-2 sm:col-span-2">
          <ErrorMessage error={form.error} />
          {saved && <p role="status">{t('common.saved')}</p>}
          <Button type="submit" pending={form.pending}>
            {t('common.save')}
          </Button>
        </div>
      </form>
    </Card>
  );
}

function Password() {
  const { t } = useI18n();
  const [saved, setSaved] = useState(false);
  const form = useForm(passwordSchema, async (values) => {
    await changePassword(values.currentPassword, values.newPassword);
    setSaved(true);
  }, ['currentPassword', 'newPassword']);
  const e = (f: string) => fieldError(form.fieldErrors[f], t);
  return (
    <Card>
      <CardTitle>{t('account.password')}</CardTitle>
      <form noValidate onSubmit={form.onSubmit} className="grid gap-4 sm:grid-cols-2">
        <Field label={t('account.currentPassword')} error={e('currentPassword')}>
          <Input name="currentPassword" type="password" autoComplete="current-password" />
        </Field>
        <Field label={t('field.newPassword')} error={e('newPassword')} hint={t('field.passwordHint', { min: PASSWORD_MIN_LENGTH })}>
          <Input name="newPassword" type="password" autoComplete="new-password" />
        </Field>
        <div className="space-y-2 sm:col-span-2">
          <ErrorMessage error={form.error} />
          {saved && <p role="status">{t('account.passwordChanged')}</p>}
          <Button type="submit" pending={form.pending}>
            {t('account.changePassword')}
          </Button>
        </div>
      </form>
    </Card>
  );
}

function Sessions() {
  const { t, formatDate } = useI18n();
  const queryClient = useQueryClient();
  const sessions = useQuery({ queryKey: ['sessions'], queryFn: listSessions });
  const revoke = useMutation({ mutationFn: revokeSession, onSuccess: () => queryClient.invalidateQueries({ queryKey: ['sessions'] }) });
  const device = (s: SessionView) => s.userAgent ?? t('account.unknownDevice');
  const columns: Array<Column<SessionView>> = [
    {
      header: t('account.device'),
      cell: (s) => (
        <>
          {device(s)} {s.current && <Badge tone="indigo">{t('account.thisSession')}</Badge>}
        </>
      ),
    },
    { header: t('account.ip'), cell: (s) => s.ip ?? '—' },
    { header: t('account.lastUsed'), cell: (s) => formatDate(s.lastUsedAt) },
    {
      header: t('common.actions'),
      hidden: true,
      cell: (s) =>
        !s.current && (
          <Button variant="ghost" size="sm" pending={revoke.isPending && revoke.variables === s.id} onClick={() => revoke.mutate(s.id)}>
            {t('account.revoke')}
            <span className="sr-only"> {t('account.sessionOf', { device: device(s), when: formatDate(s.lastUsedAt) })}</span>
          </Button>
        ),
    },
  ];
  return (
    <Card>
      <CardTitle>{t('account.sessions')}</CardTitle>
      <DataTable
        caption={t('account.sessions')}
        columns={columns}
        rows={sessions.data ?? []}
        rowKey={(s) => s.id}
        state={sessions}
        empty={t('account.noSessions')}
        actionError={revoke.error}
      />
    </Card>
  );
}
