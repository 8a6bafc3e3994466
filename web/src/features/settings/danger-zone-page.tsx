import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import type { ExportView } from '../../api/views.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { Button } from '../../components/ui/button.tsx';
import { Badge, Card, CardTitle } from '../../components/ui/card.tsx';
import { Confirm } from '../../components/ui/confirm.tsx';
import { type Column, DataTable } from '../../components/ui/data-table.tsx';
import { Field, Input } from '../../components/ui/field.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { session } from '../../api/session.ts';
import { useCan, useMe } from '../auth/use-session.ts';
import { deleteTenant, listExports, startExport } from './api.ts';

/** Export the tenant's data; delete the tenant after typing its name (with the grace period explained). */
export function DangerZonePage() {
  const { t, formatDate } = useI18n();
  const me = useMe().data;
  const allowed = useCan();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  const [typed, setTyped] = useState('');
  const exports = useQuery({
    queryKey: ['exports'],
    queryFn: listExports,
    refetchInterval: (q) => (q.state.data?.data.some((e) => e.status === 'pending') ? 2000 : false),
  });
  const start = useMutation({ mutationFn: startExport, onSuccess: () => queryClient.invalidateQueries({ queryKey: ['exports'] }) });
  const remove = useMutation({
    mutationFn: deleteTenant,
    onSuccess: async () => {
      session.clear();
      queryClient.clear();
      await navigate({ to: '/login' });
    },
  });
  const tenantName = me?.tenant?.name ?? '';
  const rows = exports.data?.data ?? [];
  const columns: Array<Column<ExportView>> = [
    { header: t('danger.requested'), cell: (x) => formatDate(x.createdAt) },
    { header: t('danger.status'), cell: (x) => <Badge tone={x.status === 'ready' ? 'green' : x.status === 'failed' ? 'red' : 'amber'}>{x.status}</Badge> },
    {
      header: t('danger.download'),
      cell: (x) =>
        x.downloadUrl ? (
          <a href={x.downloadUrl} className="text-indigo-700 underline dark:text-indigo-300">
            {t('danger.downloadLink')}
          </a>
        ) : (
          '—'
        ),
    },
  ];
  return (
    <>
      <PageHeader title={t('danger.title')} />
      <div className="space-y-6">
        <Card>
          <CardTitle actions={<Button pending={start.isPending} onClick={() => start.mutate()}>{t('danger.startExport')}</Button>}>{t('danger.exports')}</CardTitle>
          <p className="mb-4 text-sm text-zinc-700 dark:text-zinc-300">{t('danger.exportIntro')}</p>
          <DataTable caption={t('danger.exports')} columns={columns} rows={rows} rowKey={(x) => x.id} state={exports} empty={t('danger.noExports')} actionError={start.error} />
        </Card>
        {allowed('tenant:delete') && (
          <Card className="border-red-300 dark:border-red-800">
            <CardTitle>{t('danger.deleteTitle')}</CardTitle>
            <p className="mb-4 text-sm text-zinc-700 dark:text-zinc-300">{t('danger.deleteIntro')}</p>
            <Button variant="danger" onClick={() => setConfirming(true)}>
              {t('danger.delete')}
            </Button>
          </Card>
        )}
      </div>
      <Confirm
        open={confirming}
        onOpenChange={(open) => {
          setConfirming(open);
          setTyped('');
        }}
        title={t('danger.deleteTitle')}
        description={t('danger.deleteConfirm', { name: tenantName })}
        confirmLabel={t('danger.delete')}
        pending={remove.isPending}
        error={remove.error}
        disabled={typed !== tenantName}
        onConfirm={() => remove.mutate()}
      >
        <Field label={t('danger.typeName', { name: tenantName })}>
          <Input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
        </Field>
      </Confirm>
    </>
  );
}
