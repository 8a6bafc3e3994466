import type pg from 'pg';

export type ModelUsage = Record<string, { used: number; reserved: number }>;

/**
 * A tenant's model usage counters (messages, tokens) by metric. API calls are left out on purpose:
 * ApiCallMeter writes them about once a second, so whether they are there yet depends on timing;
 * test/e2e/rate-limit.spec.ts asserts them, flushing first.
 */
export async function modelUsageOf(owner: pg.Pool, tenantId: string): Promise<ModelUsage> {
  const { rows } = await owner.query<{ metric: string; used: string; reserved: string }>(
    "select metric, used, reserved from usage_counters where tenant_id = $1 and metric <> 'api_calls' order by metric",
    [tenantId],
  );
  return Object.fromEntries(rows.map((r) => [r.metric, { used: Number(r.used), reserved: Number(r.reserved) }]));
}
