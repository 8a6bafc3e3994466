import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorMessage } from '../../components/error-display.tsx';
import { Button } from '../../components/ui/button.tsx';
import { Card, CardTitle, EmptyState, Spinner, Table, Td, Th } from '../../components/ui/card.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { getFailedStripeEvents, resendStripeEvent } from './api-ops.ts';
import { JOBS_QUERIES } from './jobs-failed-table.tsx';

/** The Stripe inbox's failed events: what, how often tried, why it failed; resend once the cause is fixed. */
export function StripeInbox() {
  const { t, formatDate } = useI18n();
  const queryClient = useQueryClient();
  const [notice, setNotice] = useState('');
  const events = useInfiniteQuery({
    queryKey: ['admin-stripe-events'],
    queryFn: ({ pageParam }) => getFailedStripeEvents(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const resend = useMutation({
    mutationFn: resendStripeEvent,
    onSuccess: async (result) => {
      setNotice(t('stripeInbox.resent', { id: result.id }));
      await Promise.all(JOBS_QUERIES.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
    },
  });
  const rows = events.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <Card aria-labelledby="stripe-inbox-title">
      <CardTitle>
        <span id="stripe-inbox-title">{t('stripeInbox.title')}</span>
      </CardTitle>
      <p className="mb-3 text-sm text-zinc-700 dark:text-zinc-300">{t('stripeInbox.intro')}</p>
      <p role="status" className="mb-2 text-sm text-green-800 empty:hidden dark:text-green-300">
        {notice}
      </p>
      <ErrorMessage error={resend.error} className="mb-3" />
      {events.isPending && <Spinner label={t('common.loading')} />}
      <ErrorMessage error={events.error} />
      {events.data && rows.length === 0 && <EmptyState title={t('stripeInbox.empty')} />}
      {rows.length > 0 && (
        <Table caption={t('stripeInbox.title')}>
          <thead>
            <tr>
              <Th>{t('stripeInbox.event')}</Th>
              <Th>{t('jobs.attempts')}</Th>
              <Th>{t('jobs.error')}</Th>
              <Th>{t('stripeInbox.received')}</Th>
              <Th>{t('stripeInbox.updated')}</Th>
              <Th>
                <span className="sr-only">{t('common.actions')}</span>
              </Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-200 dark:divide-zinc-700">
            {rows.map((event) => (
              <tr key={event.id}>
                <Td>
                  <span className="font-medium">{event.type}</span>
                  <span className="block font-mono text-xs text-zinc-600 dark:text-zinc-400">{event.id}</span>
                </Td>
                <Td>{event.attempts}</Td>
                <Td className="max-w-md break-words">{event.lastError ?? '—'}</Td>
                <Td className="whitespace-nowrap">{formatDate(event.receivedAt)}</Td>
                <Td className="whitespace-nowrap">{formatDate(event.updatedAt)}</Td>
                <Td>
                  <Button
                    size="sm"
                    variant="secondary"
                    pending={resend.isPending && resend.variables === event.id}
                    aria-label={t('stripeInbox.resendEvent', { id: event.id })}
                    onClick={() => resend.mutate(event.id)}
                  >
                    {t('stripeInbox.resend')}
                  </Button>
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      {events.hasNextPage && (
        <Button variant="secondary" className="mt-4" pending={events.isFetchingNextPage} onClick={() => void events.fetchNextPage()}>
          {t('common.loadMore')}
        </Button>
      )}
    </Card>
  );
}
