import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button } from '../../components/ui/button.tsx';
import { Card, CardTitle } from '../../components/ui/card.tsx';
import { type Column, DataTable } from '../../components/ui/data-table.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { useCursorPages } from '../../lib/use-cursor-pages.ts';
import { getFailedStripeEvents, resendStripeEvent } from './api-ops.ts';
import { JOBS_QUERIES } from './jobs-failed-table.tsx';

type FailedEvent = Awaited<ReturnType<typeof getFailedStripeEvents>>['data'][number];

/** The Stripe inbox's failed events: what, how often tried, why it failed; resend once the cause is fixed. */
export function StripeInbox() {
  const { t, formatDate } = useI18n();
  const queryClient = useQueryClient();
  const [notice, setNotice] = useState('');
  const events = useCursorPages(['admin-stripe-events'], (cursor) => getFailedStripeEvents(cursor));
  const resend = useMutation({
    mutationFn: resendStripeEvent,
    onSuccess: async (result) => {
      setNotice(t('stripeInbox.resent', { id: result.id }));
      await Promise.all(JOBS_QUERIES.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
    },
  });
  const columns: Array<Column<FailedEvent>> = [
    {
      header: t('stripeInbox.event'),
      cell: (event) => (
        <>
          <span className="font-medium">{event.type}</span>
          <span className="block font-mono text-xs text-zinc-600 dark:text-zinc-400">{event.id}</span>
        </>
      ),
    },
    { header: t('jobs.attempts'), cell: (event) => event.attempts },
    { header: t('jobs.error'), cell: (event) => event.lastError ?? '—', className: 'max-w-md break-words' },
    { header: t('stripeInbox.received'), cell: (event) => formatDate(event.receivedAt), className: 'whitespace-nowrap' },
    { header: t('stripeInbox.updated'), cell: (event) => formatDate(event.updatedAt), className: 'whitespace-nowrap' },
    {
      header: t('common.actions'),
      hidden: true,
      cell: (event) => (
        <Button
          size="sm"
          variant="secondary"
          pending={resend.isPending && resend.variables === event.id}
          aria-label={t('stripeInbox.resendEvent', { id: event.id })}
          onClick={() => resend.mutate(event.id)}
        >
          {t('stripeInbox.resend')}
        </Button>
      ),
    },
  ];
  return (
    <Card aria-labelledby="stripe-inbox-title">
      <CardTitle>
        <span id="stripe-inbox-title">{t('stripeInbox.title')}</span>
      </CardTitle>
      <p className="mb-3 text-sm text-zinc-700 dark:text-zinc-300">{t('stripeInbox.intro')}</p>
      <p role="status" className="mb-2 text-sm text-green-800 empty:hidden dark:text-green-300">
        {notice}
      </p>
      <DataTable
        caption={t('stripeInbox.title')}
        columns={columns}
        rows={events.rows}
        rowKey={(event) => event.id}
        state={events}
        empty={t('stripeInbox.empty')}
        actionError={resend.error}
        more={events}
      />
    </Card>
  );
}
