import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { Fragment, useState } from 'react';
import { ErrorMessage } from '../../components/error-display.tsx';
import { Button } from '../../components/ui/button.tsx';
import { Card, CardTitle, EmptyState, Spinner, Table, Td, Th } from '../../components/ui/card.tsx';
import { Confirm } from '../../components/ui/confirm.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { type FailedJob, getFailedJobs, type QueueSummary, retryAllJobs, retryJob } from './api-ops.ts';

/** What the console's job lists depend on: refreshed after every action. */
export const JOBS_QUERIES = [['admin-queues'], ['admin-failed-jobs'], ['admin-stripe-events']] as const;

/** The failed jobs of one queue, newest first: error, attempts, time, the stack on demand; retry one or all. */
export function FailedJobs({ queue }: { queue: QueueSummary }) {
  const { t, formatDate } = useI18n();
  const queryClient = useQueryClient();
  const [expanded, setExpanded] = useState<string | null>(null);
  const [confirmAll, setConfirmAll] = useState(false);
  const [notice, setNotice] = useState('');
  const jobs = useInfiniteQuery({
    queryKey: ['admin-failed-jobs', queue.queue],
    queryFn: ({ pageParam }) => getFailedJobs(queue.queue, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const refresh = () => Promise.all(JOBS_QUERIES.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
  const retryOne = useMutation({
    mutationFn: (job: FailedJob) => retryJob(job.queue, job.id),
    onSuccess: async (_, job) => {
      setNotice(t('jobs.retried', { name: job.name }));
      await refresh();
    },
  });
  const retryAll = useMutation({
    mutationFn: () => retryAllJobs(queue.queue),
    onSuccess: async (result) => {
      setConfirmAll(false);
      setNotice(t(result.remaining > 0 ? 'jobs.retriedAllMore' : 'jobs.retriedAll', { count: result.retried, remaining: result.remaining }));
      await refresh();
    },
  });
  const rows = jobs.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <Card aria-labelledby="failed-jobs-title">
      <CardTitle
        actions={
          <Button variant="secondary" size="sm" disabled={queue.failed === 0} onClick={() => setConfirmAll(true)}>
            {t('jobs.retryAll')}
          </Button>
        }
      >
        <span id="failed-jobs-title">{t('jobs.failedIn', { queue: queue.queue })}</span>
      </CardTitle>
      <p role="status" className="mb-2 text-sm text-green-800 empty:hidden dark:text-green-300">
        {notice}
      </p>
      <ErrorMessage error={retryOne.error} className="mb-3" />
      {jobs.isPending && <Spinner label={t('common.loading')} />}
      <ErrorMessage error={jobs.error} />
      {jobs.data && rows.length === 0 && <EmptyState title={t('jobs.empty')} />}
      {rows.length > 0 && (
        <Table caption={t('jobs.failedIn', { queue: queue.queue })}>
          <thead>
            <tr>
              <Th>{t('jobs.name')}</Th>
              <Th>{t('jobs.tenant')}</Th>
              <Th>{t('jobs.error')}</Th>
              <Th>{t('jobs.attempts')}</Th>
              <Th>{t('jobs.failedAt')}</Th>
              <Th>
                <span className="sr-only">{t('common.actions')}</span>
              </Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-200 dark:divide-zinc-700">
            {rows.map((job) => {
              const key = `${job.queue}/${job.id}`;
              const open = expanded === key;
              const stackId = `stack-${job.queue}-${job.id}`.replace(/[^\w-]/g, '_');
              return (
                <Fragment key={key}>
                  <tr>
                    <Td>
                      <span className="font-medium">{job.name}</span>
                      <span className="block text-xs text-zinc-600 dark:text-zinc-400">{job.id}</span>
                    </Td>
                    <Td>
                      {job.tenantId ? (
                        <Link to="/admin/tenants/$tenantId" params={{ tenantId: job.tenantId }} className="font-mono text-xs text-indigo-700 underline dark:text-indigo-300">
                          {job.tenantId.slice(0, 8)}
                        </Link>
                      ) : (
                        <span className="text-zinc-600 dark:text-zinc-400">{t('jobs.noTenant')}</span>
                      )}
                    </Td>
                    <Td className="max-w-md">
                      <span className="break-words">{job.failedReason}</span>
                      {job.stacktrace.length > 0 && (
                        <button
                          type="button"
                          aria-expanded={open}
                          aria-controls={stackId}
                          onClick={() => setExpanded(open ? null : key)}
                          className="mt-1 block text-xs text-indigo-700 underline dark:text-indigo-300"
                        >
                          {open ? t('jobs.hideStack') : t('jobs.showStack')}
                        </button>
                      )}
                    </Td>
                    <Td className="whitespace-nowrap">{t('jobs.attemptsOf', { made: job.attemptsMade, allowed: job.attemptsAllowed })}</Td>
                    <Td className="whitespace-nowrap">{job.failedAt ? formatDate(job.failedAt) : '—'}</Td>
                    <Td>
                      <Button
                        size="sm"
                        variant="secondary"
                        pending={retryOne.isPending && retryOne.variables.id === job.id}
                        aria-label={t('jobs.retryJob', { name: job.name, id: job.id })}
                        onClick={() => retryOne.mutate(job)}
                      >
                        {t('jobs.retry')}
                      </Button>
                    </Td>
                  </tr>
                  {open && (
                    <tr>
                      <td colSpan={6} className="px-3 pb-3">
                        <pre id={stackId} className="overflow-x-auto rounded bg-zinc-100 p-3 text-xs text-zinc-800 dark:bg-zinc-950 dark:text-zinc-200">
                          {job.stacktrace.join('\n')}
                        </pre>
                      </td>
                    </tr>
                  )}
                </Fragment>
              );
            })}
          </tbody>
        </Table>
      )}
      {jobs.hasNextPage && (
        <Button variant="secondary" className="mt-4" pending={jobs.isFetchingNextPage} onClick={() => void jobs.fetchNextPage()}>
          {t('common.loadMore')}
        </Button>
      )}
      <Confirm
        open={confirmAll}
        onOpenChange={setConfirmAll}
        title={t('jobs.retryAllTitle', { queue: queue.queue })}
        description={t('jobs.retryAllConfirm', { count: queue.failed, queue: queue.queue })}
        confirmLabel={t('jobs.retryAll')}
        pending={retryAll.isPending}
        error={retryAll.error}
        onConfirm={() => retryAll.mutate()}
      />
    </Card>
  );
}
