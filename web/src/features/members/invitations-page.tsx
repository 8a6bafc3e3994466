import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { z } from 'zod';
import type { InvitationView } from '../../api/views.ts';
import { ErrorMessage } from '../../components/error-display.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { Button } from '../../components/ui/button.tsx';
import { Card, CardTitle } from '../../components/ui/card.tsx';
import { Confirm } from '../../components/ui/confirm.tsx';
import { type Column, DataTable } from '../../components/ui/data-table.tsx';
import { Field, Input, Select } from '../../components/ui/field.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { useCursorPages } from '../../lib/use-cursor-pages.ts';
import { useForm } from '../../lib/use-form.ts';
import { fieldError } from '../auth/field-error.ts';
import { email } from '../auth/schemas.ts';
import { invite, listInvitations, revokeInvitation } from './api.ts';

const INVITABLE = ['member', 'admin', 'billing'] as const;
const inviteSchema = z.object({ email, role: z.enum(INVITABLE) });

export function InvitationsPage() {
  const { t, formatDate } = useI18n();
  const queryClient = useQueryClient();
  const [sent, setSent] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<InvitationView | null>(null);
  const invitations = useCursorPages(['invitations'], (cursor) => listInvitations(cursor));
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['invitations'] });
  const form = useForm(
    inviteSchema,
    async (values) => {
      await invite(values.email, values.role);
      setSent(values.email);
      await refresh();
    },
    ['email', 'role'],
  );
  const resend = useMutation({
    mutationFn: (i: InvitationView) => invite(i.email, i.role),
    onSuccess: async (i) => {
      setSent(i.email);
      await refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => revokeInvitation(id),
    onSuccess: async () => {
      setRevoking(null);
      await refresh();
    },
  });
  const rows = invitations.rows;
  const columns: Array<Column<InvitationView>> = [
    { header: t('field.email'), cell: (i) => i.email },
    { header: t('field.role'), cell: (i) => t(`role.${i.role}`) },
    { header: t('invitations.expires'), cell: (i) => formatDate(i.expiresAt) },
    {
      header: t('common.actions'),
      hidden: true,
      className: 'space-x-2',
      cell: (i) => (
        <>
          <Button variant="secondary" size="sm" onClick={() => resend.mutate(i)}>
            {t('invitations.resend')}
            <span className="sr-only"> {i.email}</span>
          </Button>
          <Button variant="ghost" size="sm" onClick={() => setRevoking(i)}>
            {t('invitations.revoke')}
            <span className="sr-only"> {i.email}</span>
          </Button>
        </>
      ),
    },
  ];
  return (
    <>
      <PageHeader title={t('invitations.title')} description={t('invitations.intro')} />
      <div className="space-y-6">
        <Card>
          <CardTitle>{t('invitations.new')}</CardTitle>
          <form noValidate onSubmit={form.onSubmit} className="grid items-start gap-4 sm:grid-cols-[1fr_10rem_auto]">
            <Field label={t('field.email')} error={fieldError(form.fieldErrors.email, t)}>
              <Input name="email" type="email" autoComplete="off" required />
            </Field>
            <Field label={t('field.role')} error={fieldError(form.fieldErrors.role, t)}>
              <Select name="role" defaultValue="member">
                {INVITABLE.map((r) => (
                  <option key={r} value={r}>
                    {t(`role.${r}`)}
                  </option>
                ))}
              </Select>
            </Field>
            <Button type="submit" className="sm:mt-6" pending={form.pending}>
              {t('invitations.send')}
            </Button>
          </form>
          <ErrorMessage error={form.error} className="mt-4" />
          {sent && (
            <p role="status" className="mt-4 text-sm text-green-800 dark:text-green-300">
              {t('invitations.sent', { email: sent })}
            </p>
          )}
        </Card>
        <Card>
          <CardTitle>{t('invitations.pending')}</CardTitle>
          <DataTable
            caption={t('invitations.pending')}
            columns={columns}
            rows={rows}
            rowKey={(i) => i.id}
            state={invitations}
            empty={t('invitations.empty')}
            actionError={resend.error}
            more={invitations}
          />
        </Card>
      </div>
      <Confirm
        open={revoking !== null}
        onOpenChange={(open) => !open && setRevoking(null)}
        title={t('invitations.revokeTitle')}
        description={t('invitations.revokeBody', { email: revoking?.email ?? '' })}
        confirmLabel={t('invitations.revoke')}
        pending={revoke.isPending}
        error={revoke.error}
        onConfirm={() => revoking && revoke.mutate(revoking.id)}
      />
    </>
  );
}
