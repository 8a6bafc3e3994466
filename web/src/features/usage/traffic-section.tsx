import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { ErrorMessage } from '../../components/error-display.tsx';
import { Card, CardTitle, EmptyState, Spinner, Table, Td, Th } from '../../components/ui/card.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { getTraffic } from './api.ts';
import { TrafficChart } from './traffic-chart.tsx';
import { type DayTraffic, everyDay, type KeyTraffic, TRAFFIC_DAYS, totals } from './traffic.ts';

/**
 * The tenant's API traffic over the last 30 days (GET /usage/traffic): requests, the share of
 * server errors and the p95 latency, per day and per API key (signed-in members' requests
 * together), as the developers' dashboard of the roadmap asks.
 */
export function TrafficSection() {
  const { t, locale, formatNumber } = useI18n();
  const traffic = useQuery({ queryKey: ['usage-traffic', TRAFFIC_DAYS], queryFn: () => getTraffic(TRAFFIC_DAYS) });
  const percentFormat = useMemo(() => new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }), [locale]);
  const percent = (share: number) => percentFormat.format(share);
  const ms = (value: number | null) => (value === null ? '—' : t('traffic.ms', { value: formatNumber(Math.round(value)) }));
  const days = traffic.data ? everyDay(traffic.data) : [];
  const sum = totals(days);
  return (
    <Card aria-labelledby="traffic-title">
      <CardTitle>
        <span id="traffic-title">{t('traffic.title', { days: TRAFFIC_DAYS })}</span>
      </CardTitle>
      {traffic.isPending && <Spinner label={t('common.loading')} />}
      <ErrorMessage error={traffic.error} />
      {traffic.data && sum.requests === 0 && <EmptyState title={t('traffic.none', { days: TRAFFIC_DAYS })} />}
      {traffic.data && sum.requests > 0 && (
        <div className="space-y-6">
          <dl className="grid gap-4 sm:grid-cols-3">
            <Stat label={t('traffic.requests')} value={formatNumber(sum.requests)} />
            <Stat label={t('traffic.errorRate')} value={percent(sum.errorRate)} />
            <Stat label={t('traffic.worstP95')} value={ms(sum.worstP95Ms)} />
          </dl>
          <TrafficChart
            days={days}
            percent={percent}
            label={t('traffic.chartLabel', { days: TRAFFIC_DAYS, total: formatNumber(sum.requests), errorRate: percent(sum.errorRate) })}
          />
          <div className="grid gap-6 lg:grid-cols-2">
            <KeyTable rows={traffic.data.apiKeys} percent={percent} ms={ms} />
            <DayTable days={days.filter((d) => d.requests > 0).reverse()} percent={percent} ms={ms} />
          </div>
        </div>
      )}
    </Card>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt className="text-sm text-zinc-600 dark:text-zinc-400">{label}</dt>
      <dd className="mt-1 text-2xl font-semibold">{value}</dd>
    </div>
  );
}

interface Formatters {
  percent: (share: number) => string;
  ms: (value: number | null) => string;
}

function KeyTable({ rows, percent, ms }: { rows: KeyTraffic[] } & Formatters) {
  const { t, formatNumber } = useI18n();
  const caller = (row: KeyTraffic) => {
    if (row.apiKeyId === null) return t('traffic.signedIn');
    if (row.name === null) return t('traffic.deletedKey');
    return row.prefix ? `${row.name} (${row.prefix}…)` : row.name;
  };
  return (
    // min-w-0: a grid item would otherwise grow to its table's width on a phone instead of letting it scroll.
    <div className="min-w-0">
      <h3 className="mb-2 text-sm font-semibold">{t('traffic.byKey')}</h3>
      <Table caption={t('traffic.byKey')}>
        <thead>
          <tr>
            <Th>{t('traffic.caller')}</Th>
            <Th className="text-right">{t('traffic.requests')}</Th>
            <Th className="text-right">{t('traffic.errorRate')}</Th>
            <Th className="text-right">{t('traffic.p95')}</Th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.apiKeyId ?? 'members'}>
              <Td>{caller(row)}</Td>
              <Td className="text-right">{formatNumber(row.requests)}</Td>
              <Td className="text-right">{percent(row.errorRate)}</Td>
              <Td className="text-right">{ms(row.p95LatencyMs)}</Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </div>
  );
}

function DayTable({ days, percent, ms }: { days: DayTraffic[] } & Formatters) {
  const { t, formatNumber, formatDate } = useI18n();
  return (
    <div className="min-w-0">
      <h3 className="mb-2 text-sm font-semibold">{t('traffic.perDay')}</h3>
      <div className="max-h-72 overflow-y-auto">
        <Table caption={t('traffic.perDay')}>
          <thead>
            <tr>
              <Th>{t('traffic.day')}</Th>
              <Th className="text-right">{t('traffic.requests')}</Th>
              <Th className="text-right">{t('traffic.errorRate')}</Th>
              <Th className="text-right">{t('traffic.p95')}</Th>
            </tr>
          </thead>
          <tbody>
            {days.map((d) => (
              <tr key={d.day}>
                {/* Noon UTC: the same calendar day in every time zone the date is shown in. */}
                <Td>{formatDate(`${d.day}T12:00:00Z`, false)}</Td>
                <Td className="text-right">{formatNumber(d.requests)}</Td>
                <Td className="text-right">{percent(d.errorRate)}</Td>
                <Td className="text-right">{ms(d.p95LatencyMs)}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      </div>
    </div>
  );
}
