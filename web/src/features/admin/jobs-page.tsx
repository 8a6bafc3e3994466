import { useQuery } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import type { JSX } from 'react';
import { ErrorMessage } from '../../components/error-display.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { Badge, Spinner } from '../../components/ui/card.tsx';
import { cn } from '../../components/ui/cn.ts';
import { useT } from '../../i18n/index.tsx';
import { getQueues, type QueueSummary } from './api-ops.ts';
import { FailedJobs } from './jobs-failed-table.tsx';
import { StripeInbox } from './jobs-stripe-inbox.tsx';


/**
 * Failed background jobs, queue by queue (the queue in the URL), with their error and stack, a
 * retry per job and for the whole queue; and the Stripe inbox's failed events, with a resend.
 */
export function JobsPage(): JSX.Element {
  const t = useT();
  const navigate = useNavigate();
  const queues = useQuery({ queryKey: ['admin-queues'], queryFn: getQueues });
  const chosen = (useSearch({ strict: false }) as { queue?: string }).queue;
  const list = queues.data?.data ?? [];
  // Without a choice: the first queue that has failures, else the first queue.
  const current = list.find((q) => q.queue === chosen) ?? list.find((q) => q.failed > 0) ?? list[0];
  return (
    <>
      <PageHeader title={t('jobs.title')} description={t('jobs.intro')} />
      {queues.isPending && <Spinner label={t('common.loading')} />}
      <ErrorMessage error={queues.error} />
      {current && (
        <div className="space-y-6">
          <QueuePicker queues={list} current={current.queue} onChoose={(queue) => void navigate({ to: '/admin/jobs', search: { queue } })} />
          <FailedJobs queue={current} />
          <StripeInbox />
        </div>
      )}
    </>
  );
}

/** One toggle button per queue, with its failed count: the list below follows the pressed one. */
function QueuePicker({ queues, current, onChoose }: { queues: QueueSummary[]; current: string; onChoose(queue: string): void }) {
  const t = useT();
  return (
    <div role="group" aria-label={t('jobs.queues')} className="flex flex-wrap gap-2">
      {queues.map((q) => (
        <button
          key={q.queue}
          type="button"
          aria-pressed={q.queue === current}
          onClick={() => onChoose(q.queue)}
          className={cn(
            'inline-flex h-8 items-center gap-2 rounded-md border px-3 text-sm font-medium focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600',
            q.queue === current
              ? 'border-indigo-600 bg-indigo-600 text-white dark:border-indigo-500 dark:bg-indigo-500'
              : 'border-zinc-300 bg-white text-zinc-800 hover:bg-zinc-50 dark:border-zinc-600 dark:bg-zinc-800 dark:text-zinc-100 dark:hover:bg-zinc-700',
          )}
        >
          {q.queue}
          {q.failed > 0 ? <Badge tone="red">{t('jobs.failedCount', { count: q.failed })}</Badge> : <span className="sr-only">{t('jobs.noneFailed')}</span>}
        </button>
      ))}
    </div>
  );
}
