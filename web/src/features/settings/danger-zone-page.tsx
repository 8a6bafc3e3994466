import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { ErrorMessage } from '../../components/error-display.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { Button } from '../../components/ui/button.tsx';
import { Badge, Card, CardTitle, EmptyState, Spinner, Table, Td, Th } from '../../components/ui/card.tsx';
import { Confirm } from '../../components/ui/confirm.tsx';
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
  return (
    <>
      <PageHeader title={t('danger.title')} />
      <div className="space-y-6">
        <Card>
          <CardTitle actions={<Button pending={start.isPending} onClick={() => start.mutate()}>{t('danger.startExport')}</Button>}>{t('danger.exports')}</CardTitle>
          <p className="mb-4 text-sm text-zinc-700 dark:text-zinc-300">{t('danger.exportIntro')}</p>
          <ErrorMessage error={start.error ?? exports.error} />
          {exports.isPending && <Spinner label={t('common.loading')} />}
          {exports.isSuccess && rows.length === 0 && <EmptyState title={t('danger.noExports')} />}
          {rows.length > 0 && (
            <Table caption={t('danger.exports')}>
              <thead>
                <tr>
                  <Th>{t('danger.requested')}</Th>
                  <Th>{t('danger.status')}</Th>
                  <Th>{t('danger.download')}</Th>
                </tr>
              </thead>
              <tbody>
                {rows.map((x) => (
                  <tr key={x.id}>
                    <Td>{formatDate(x.createdAt)}</Td>
                    <Td>
                      <Badge tone={x.status === 'ready' ? 'green' : x.status === 'failed' ? 'red' : 'amber'}>{x.status}</Badge>
                    </Td>
                    <Td>
                      {x.downloadUrl ? (
                        <a href={x.downloadUrl} className="text-indigo-700 underline dark:text-indigo-300">
                          {t('danger.downloadLink')}
                        </a>
                      ) : (
                        '—'
                      )}
                    </Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
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
