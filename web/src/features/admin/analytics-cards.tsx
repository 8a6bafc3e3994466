import { Card, CardTitle } from '../../components/ui/card.tsx';
import { cn } from '../../components/ui/cn.ts';
import { type MessageKey, useI18n, useT } from '../../i18n/index.tsx';
import { ANALYTICS_WINDOWS, type AnalyticsWindow, type PlatformAnalytics } from './api-ops.ts';

/** 7, 30 or 90 days: a group of toggle buttons, the chosen one pressed. */
export function AnalyticsWindowPicker({ value, onChange }: { value: AnalyticsWindow; onChange(days: AnalyticsWindow): void }) {
  const t = useT();
  return (
    <div role="group" aria-label={t('analytics.window')} className="inline-flex rounded-md border border-zinc-300 bg-white p-0.5 dark:border-zinc-600 dark:bg-zinc-800">
      {ANALYTICS_WINDOWS.map((days) => (
        <button
          key={days}
          type="button"
          aria-pressed={value === days}
          onClick={() => onChange(days)}
          className={cn(
            'h-8 rounded px-3 text-sm font-medium focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600',
            value === days ? 'bg-indigo-600 text-white dark:bg-indigo-500' : 'text-zinc-700 hover:bg-zinc-100 dark:text-zinc-200 dark:hover:bg-zinc-700',
          )}
        >
          {t('analytics.days', { days })}
        </button>
      ))}
    </div>
  );
}

const STATUS_LABEL: Record<string, MessageKey> = { active: 'analytics.status.active', suspended: 'analytics.status.suspended', deleted: 'analytics.status.deleted' };

/** Tenants by status and by plan, with the totals of tenants and users. */
export function TenantCounts({ analytics }: { analytics: PlatformAnalytics }) {
  const { t, formatNumber } = useI18n();
  const { tenants, users } = analytics;
  return (
    <div className="grid gap-4 lg:grid-cols-3">
      <Card>
        <CardTitle>{t('analytics.totals')}</CardTitle>
        <StatList items={[[t('analytics.tenants'), tenants.total], [t('analytics.users'), users.total]]} format={formatNumber} />
      </Card>
      <Card>
        <CardTitle>{t('analytics.byStatus')}</CardTitle>
        <StatList items={Object.entries(tenants.byStatus).map(([status, n]) => [STATUS_LABEL[status] ? t(STATUS_LABEL[status]) : status, n])} format={formatNumber} />
      </Card>
      <Card>
        <CardTitle>{t('analytics.byPlan')}</CardTitle>
        <StatList items={Object.entries(tenants.byPlan).map(([plan, n]) => [plan, n])} format={formatNumber} />
      </Card>
    </div>
  );
}

function StatList({ items, format }: { items: Array<[string, number]>; format(n: number): string }) {
  return (
    <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3">
      {items.map(([label, n]) => (
        <div key={label}>
          <dt className="text-sm text-zinc-600 capitalize dark:text-zinc-400">{label}</dt>
          <dd className="text-2xl font-semibold text-zinc-900 dark:text-zinc-100">{format(n)}</dd>
        </div>
      ))}
    </dl>
  );
}
