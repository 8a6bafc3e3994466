import type { components } from '../../api/schema';

export type TrafficReport = components['schemas']['TrafficReport'];
export type DayTraffic = TrafficReport['daily'][number];
export type KeyTraffic = TrafficReport['apiKeys'][number];

/** The window the overview shows, in UTC days (the API allows 1 to 90). */
export const TRAFFIC_DAYS = 30;

const DAY_MS = 86_400_000;

/** One entry per day from `from` to `to` (UTC, inclusive), with zero requests where the report has none. */
export function everyDay(report: Pick<TrafficReport, 'from' | 'to' | 'daily'>): DayTraffic[] {
  const byDay = new Map(report.daily.map((d) => [d.day, d]));
  const out: DayTraffic[] = [];
  for (let at = Date.parse(`${report.from}T00:00:00Z`), end = Date.parse(`${report.to}T00:00:00Z`); at <= end; at += DAY_MS) {
    const day = new Date(at).toISOString().slice(0, 10);
    out.push(byDay.get(day) ?? { day, requests: 0, errorRate: 0, clientErrorRate: 0, p95LatencyMs: null });
  }
  return out;
}

/** Totals over the window: requests, the share answered 5xx, and the worst day's p95 (a p95 over days cannot be summed). */
export function totals(daily: readonly DayTraffic[]): { requests: number; errorRate: number; worstP95Ms: number | null } {
  const requests = daily.reduce((sum, d) => sum + d.requests, 0);
  const errors = daily.reduce((sum, d) => sum + d.errorRate * d.requests, 0);
  const p95s = daily.map((d) => d.p95LatencyMs).filter((v): v is number => v !== null);
  return { requests, errorRate: requests === 0 ? 0 : errors / requests, worstP95Ms: p95s.length === 0 ? null : Math.max(...p95s) };
}

/** A round upper bound for a chart's axis (1, 2, 5 x 10^n), at least 1. */
export function niceCeiling(max: number): number {
  if (max <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= max) return step * magnitude;
  return 10 * magnitude;
}
