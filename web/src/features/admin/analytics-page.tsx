import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import type { JSX } from 'react';
import { ErrorMessage } from '../../components/error-display.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { Card, Spinner } from '../../components/ui/card.tsx';
import { useT } from '../../i18n/index.tsx';
import { AnalyticsWindowPicker, TenantCounts } from './analytics-cards.tsx';
import { type AnalyticsWindow, getAnalytics } from './api-ops.ts';
import { DailyBarChart } from './charts-bar.tsx';


/** Tenants by status and plan, and sign-ups, new tenants, sign-ins and messages per day over 7, 30 or 90 days (in the URL). */
export function AnalyticsPage(): JSX.Element {
  const t = useT();
  const days: AnalyticsWindow = (useSearch({ strict: false }) as { days?: AnalyticsWindow }).days ?? 30;
  const navigate = useNavigate();
  // The previous window stays on screen while the next one loads: no flash of a spinner.
  const analytics = useQuery({ queryKey: ['admin-analytics', days], queryFn: () => getAnalytics(days), placeholderData: keepPreviousData });
  const data = analytics.data;
  return (
    <>
      <PageHeader
        title={t('analytics.title')}
        description={t('analytics.intro')}
        actions={<AnalyticsWindowPicker value={days} onChange={(next) => void navigate({ to: '/admin/analytics', search: next === 30 ? {} : { days: next } })} />}
      />
      {analytics.isPending && <Spinner label={t('common.loading')} />}
      <ErrorMessage error={analytics.error} />
      {data && (
        <div className="space-y-6" aria-busy={analytics.isPlaceholderData || undefined}>
          <TenantCounts analytics={data} />
          <div className="grid gap-4 lg:grid-cols-2">
            <Card>
              <DailyBarChart title={t('analytics.signups', { days: data.days })} points={data.signupsPerDay} />
            </Card>
            <Card>
              <DailyBarChart title={t('analytics.newTenants', { days: data.days })} points={data.newTenantsPerDay} />
            </Card>
            <Card>
              <DailyBarChart title={t('analytics.logins', { days: data.days })} points={data.loginsPerDay} />
            </Card>
            <Card>
              <DailyBarChart title={t('analytics.messages', { days: data.days })} points={data.messagesPerDay} />
            </Card>
          </div>
        </div>
      )}
    </>
  );
}
