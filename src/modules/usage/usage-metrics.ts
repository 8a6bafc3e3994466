/** What Tenantry meters per tenant (the usage_counters.metric check constraint lists the same). */
export const USAGE_METRICS = ['messages', 'tokens', 'api_calls', 'seats'] as const;
export type UsageMetric = (typeof USAGE_METRICS)[number];

/** Amounts per metric; a metric left out counts as 0. */
export type UsageAmounts = Partial<Record<UsageMetric, number>>;

/** First day of the calendar month (UTC) holding `at`: the usage period, until billing periods exist. */
export function periodStartOf(at: Date): string {
  return `${at.toISOString().slice(0, 7)}-01`;
}

/** The UTC day of `at`, YYYY-MM-DD. */
export function dayOf(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** The first instant of the period after the one starting at `periodStart` (ISO 8601). */
export function periodEndOf(periodStart: string): string {
  const start = new Date(`${periodStart}T00:00:00Z`);
  return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1)).toISOString();
}
