import type { UsageMetric, UsageReport } from '../../api/views.ts';

/** One point per day for the last `days` days (UTC), zero where nothing was used. */
export function lastDays(daily: UsageReport['daily'], metric: UsageMetric, days: number, today = new Date()): Array<{ day: string; label: string; amount: number }> {
  const amounts = new Map<string, number>();
  for (const d of daily) if (d.metric === metric) amounts.set(d.day.slice(0, 10), (amounts.get(d.day.slice(0, 10)) ?? 0) + d.amount);
  const out: Array<{ day: string; label: string; amount: number }> = [];
  const end = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  for (let i = days - 1; i >= 0; i--) {
    const day = new Date(end - i * 86_400_000).toISOString().slice(0, 10);
    out.push({ day, label: day.slice(5), amount: amounts.get(day) ?? 0 });
  }
  return out;
}
