import { useQuery } from '@tanstack/react-query';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { UsageBreakdownRow, UsageMetric, UsageReport } from '../../api/views.ts';
import { ErrorMessage } from '../../components/error-display.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { Card, CardTitle, EmptyState, Spinner, Table, Td, Th } from '../../components/ui/card.tsx';
import { type MessageKey, useI18n } from '../../i18n/index.tsx';
import { getBreakdown, getUsage } from './api.ts';
import { lastDays } from './daily.ts';
import { TrafficSection } from './traffic-section.tsx';

const METRIC_LABEL: Record<UsageMetric, MessageKey> = {
  messages: 'usage.messages',
  tokens: 'usage.tokens',
  api_calls: 'usage.apiCalls',
  seats: 'usage.seats',
};

/** This period's use against the plan's limits, the last 30 days, and who used what. */
export function OverviewPage() {
  const { t, formatDate } = useI18n();
  const usage = useQuery({ queryKey: ['usage'], queryFn: getUsage });
  return (
    <>
      <PageHeader
        title={t('overview.title')}
        description={usage.data ? t('overview.resets', { date: formatDate(usage.data.resetAt, false) }) : undefined}
      />
      {usage.isPending && <Spinner label={t('common.loading')} />}
      <ErrorMessage error={usage.error} />
      {usage.data && (
        <div className="space-y-6">
          <Meters report={usage.data} />
          <DailyCharts report={usage.data} />
          <TrafficSection />
          <Breakdown />
        </div>
      )}
    </>
  );
}

function Meters({ report }: { report: UsageReport }) {
  const { t, formatNumber } = useI18n();
  return (
    <ul className="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
      {report.metrics.map((m) => {
        const share = m.limit ? Math.min(1, m.used / m.limit) : 0;
        return (
          <li key={m.metric}>
            <Card>
              <h2 className="text-sm font-medium text-zinc-700 dark:text-zinc-300">{t(METRIC_LABEL[m.metric])}</h2>
              <p className="mt-1 text-2xl font-semibold">
                {formatNumber(m.used)}
                <span className="text-base font-normal text-zinc-600 dark:text-zinc-400">
                  {' / '}
                  {m.limit === null ? t('pricing.unlimited') : formatNumber(m.limit)}
                </span>
              </p>
              {m.limit !== null && (
                <div
                  role="meter"
                  aria-label={t(METRIC_LABEL[m.metric])}
                  aria-valuemin={0}
                  aria-valuemax={m.limit}
                  aria-valuenow={m.used}
                  className="mt-3 h-2 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-700"
                >
                  <div className={`h-full ${share > 0.9 ? 'bg-red-600' : 'bg-indigo-600'}`} style={{ width: `${share * 100}%` }} />
                </div>
              )}
            </Card>
          </li>
        );
      })}
    </ul>
  );
}

function DailyCharts({ report }: { report: UsageReport }) {
  const { t } = useI18n();
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      {(['messages', 'tokens'] as const).map((metric) => {
        const data = lastDays(report.daily, metric, 30);
        return (
          <Card key={metric}>
            <CardTitle>{t('overview.daily', { metric: t(METRIC_LABEL[metric]) })}</CardTitle>
            <div className="h-48" role="img" aria-label={t('overview.chartLabel', { metric: t(METRIC_LABEL[metric]), total: data.reduce((s, d) => s + d.amount, 0) })}>
              <ResponsiveContainer width="100%" height="100%">
                <BarChart data={data}>
                  <CartesianGrid strokeDasharray="3 3" className="stroke-zinc-200 dark:stroke-zinc-700" />
                  <XAxis dataKey="label" tick={{ fontSize: 11 }} interval="preserveStartEnd" stroke="currentColor" />
                  <YAxis allowDecimals={false} width={48} tick={{ fontSize: 11 }} stroke="currentColor" />
                  <Tooltip contentStyle={{ backgroundColor: '#ffffff', color: '#18181b' }} labelStyle={{ color: '#18181b' }} itemStyle={{ color: '#3730a3' }} />
                  <Bar dataKey="amount" fill="#4f46e5" name={t(METRIC_LABEL[metric])} />
                </BarChart>
              </ResponsiveContainer>
            </div>
          </Card>
        );
      })}
    </div>
  );
}

function Breakdown() {
  const { t } = useI18n();
  const breakdown = useQuery({ queryKey: ['usage-breakdown'], queryFn: getBreakdown });
  return (
    <Card>
      <CardTitle>{t('overview.breakdown')}</CardTitle>
      {breakdown.isPending && <Spinner label={t('common.loading')} />}
      <ErrorMessage error={breakdown.error} />
      {breakdown.data === null && <EmptyState title={t('overview.breakdownUnavailable')} />}
      {breakdown.data && (
        <div className="grid gap-6 lg:grid-cols-3">
          <BreakdownTable title={t('overview.byMember')} rows={breakdown.data.members} />
          <BreakdownTable title={t('overview.byApiKey')} rows={breakdown.data.apiKeys} />
          <BreakdownTable title={t('overview.byModel')} rows={breakdown.data.models} />
        </div>
      )}
    </Card>
  );
}

function BreakdownTable({ title, rows }: { title: string; rows: UsageBreakdownRow[] }) {
  const { t, formatNumber } = useI18n();
  return (
    <div>
      <h3 className="mb-2 text-sm font-semibold">{title}</h3>
      {rows.length === 0 ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">{t('overview.noUse')}</p>
      ) : (
        <Table caption={title}>
          <thead>
            <tr>
              <Th>{t('overview.who')}</Th>
              <Th className="text-right">{t('usage.messages')}</Th>
              <Th className="text-right">{t('usage.tokens')}</Th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id}>
                <Td>{r.label}</Td>
                <Td className="text-right">{formatNumber(r.messages)}</Td>
                <Td className="text-right">{formatNumber(r.tokens)}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </div>
  );
}
