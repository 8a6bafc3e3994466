/**
 * The usage seam as it was before the reservation ledger (docs/adr/0006-usage-seam.md), kept
 * for bench:quota only: the same unit of work, limit check and counters, without a ledger row.
 * Settle and release subtract the amounts the caller hands back (not idempotent; never use this).
 */
import type { UsageLimits } from '../src/modules/usage/usage-limits.js';
import { dayOf, periodStartOf } from '../src/modules/usage/usage-metrics.js';
import type { TenantContext } from '../src/platform/context/tenant-context.js';
import type { TenantDb } from '../src/platform/db/tenant-db.js';

export class PreLedgerUsage {
  constructor(
    private readonly ctx: TenantContext,
    private readonly db: TenantDb,
    private readonly limits: UsageLimits,
  ) {}

  /** reserve({ messages: 1 }) then settle({ messages: 1 }), as UsageService did. */
  async consumeOneMessage(now = new Date()): Promise<void> {
    const tenantId = this.ctx.requireTenantId('bench');
    const periodStart = periodStartOf(now);
    await this.db.transaction(async () => {
      const [after] = await this.db.sql<{ used: unknown; reserved: unknown }>`
        insert into usage_counters as c (tenant_id, metric, period_start, reserved)
        select ${tenantId}::uuid, x.metric, ${periodStart}::date, x.amount
        from unnest(${['messages']}::text[], ${['1']}::bigint[]) as x(metric, amount)
        on conflict (tenant_id, metric, period_start)
        do update set reserved = c.reserved + excluded.reserved, updated_at = now()
        returning c.metric, c.used, c.reserved`;
      const limit = (await this.limits.limitsFor(tenantId)).messages;
      if (limit !== undefined && Number(after!.used) + Number(after!.reserved) > limit) throw new Error('quota exceeded');
    });
    await this.db.sql`
      with change as (
        select * from unnest(${['messages']}::text[], ${['1']}::bigint[], ${['1']}::bigint[]) as x(metric, release, use)
      ),
      counted as (
        insert into usage_counters as c (tenant_id, metric, period_start, used, reserved)
        select ${tenantId}::uuid, change.metric, ${periodStart}::date, change.use, 0 from change
        on conflict (tenant_id, metric, period_start)
        do update set
          used = c.used + excluded.used,
          reserved = greatest(c.reserved - (select change.release from change where change.metric = excluded.metric), 0),
          updated_at = now()
      )
      insert into usage_daily as d (tenant_id, metric, day, amount)
      select ${tenantId}::uuid, change.metric, ${dayOf(now)}::date, change.use from change
      where change.use > 0
      on conflict (tenant_id, metric, day) do update set amount = d.amount + excluded.amount`;
  }
}
