import { Injectable } from '@nestjs/common';
import { TenantDb } from '../../platform/db/tenant-db.js';
import type { UsageMetric } from './usage-metrics.js';

export interface CounterRow {
  metric: UsageMetric;
  used: number;
  reserved: number;
}

export interface CounterChange {
  metric: UsageMetric;
  /** Reserved amount to release. */
  release: number;
  /** Amount to add to `used` (and to the day's history). */
  use: number;
}

const num = (value: unknown): number => Number(value);

/**
 * usage_counters and usage_daily. Every change is one atomic statement (`x = x + n`): concurrent
 * calls never lose an update, and the row lock each takes orders them for the limit check.
 */
@Injectable()
export class UsageRepository {
  constructor(private readonly db: TenantDb) {}

  /** Adds `amounts` to `reserved` (creating the period's rows); returns the counters after the change. */
  async reserve(tenantId: string, periodStart: string, amounts: Array<{ metric: UsageMetric; amount: number }>): Promise<CounterRow[]> {
    const rows = await this.db.sql<{ metric: UsageMetric; used: unknown; reserved: unknown }>`
      insert into usage_counters as c (tenant_id, metric, period_start, reserved)
      select ${tenantId}::uuid, x.metric, ${periodStart}::date, x.amount
      from unnest(${amounts.map((a) => a.metric)}::text[], ${amounts.map((a) => String(a.amount))}::bigint[]) as x(metric, amount)
      on conflict (tenant_id, metric, period_start)
      do update set reserved = c.reserved + excluded.reserved, updated_at = now()
      returning c.metric, c.used, c.reserved`;
    return rows.map((r) => ({ metric: r.metric, used: num(r.used), reserved: num(r.reserved) }));
  }

  /** Releases reservations and records consumption, in the counters and in the day's history (one statement: PostgreSQL runs a data-modifying CTE whether or not it is referenced). */
  async settle(tenantId: string, periodStart: string, day: string, changes: CounterChange[]): Promise<void> {
    const metrics = changes.map((c) => c.metric);
    const releases = changes.map((c) => String(c.release));
    const uses = changes.map((c) => String(c.use));
    await this.db.sql`
      with change as (
        select * from unnest(${metrics}::text[], ${releases}::bigint[], ${uses}::bigint[]) as x(metric, release, use)
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
      select ${tenantId}::uuid, change.metric, ${day}::date, change.use from change
      where change.use > 0
      on conflict (tenant_id, metric, day) do update set amount = d.amount + excluded.amount`;
  }

  /** Gives reserved amounts back without consuming anything. */
  async release(tenantId: string, periodStart: string, amounts: Array<{ metric: UsageMetric; amount: number }>): Promise<void> {
    await this.db.sql`
      update usage_counters as c
      set reserved = greatest(c.reserved - x.amount, 0), updated_at = now()
      from unnest(${amounts.map((a) => a.metric)}::text[], ${amounts.map((a) => String(a.amount))}::bigint[]) as x(metric, amount)
      where c.tenant_id = ${tenantId}::uuid and c.period_start = ${periodStart}::date and c.metric = x.metric`;
  }

  async counters(tenantId: string, periodStart: string): Promise<CounterRow[]> {
    const rows = await this.db.client.usageCounter.findMany({
      where: { tenantId, periodStart: new Date(`${periodStart}T00:00:00Z`) },
      orderBy: { metric: 'asc' },
      select: { metric: true, used: true, reserved: true },
    });
    return rows.map((r) => ({ metric: r.metric as UsageMetric, used: num(r.used), reserved: num(r.reserved) }));
  }

  /**
   * Seats taken: members plus open invitations (an invitation holds its seat until it is accepted,
   * revoked or expires). Takes the tenant's seat lock first (released at the end of the unit of
   * work), so two concurrent invitations or admissions cannot both take the last seat.
   */
  async lockAndCountSeats(tenantId: string): Promise<number> {
    await this.db.sql`select 1 as locked from pg_advisory_xact_lock(hashtextextended(${`seats:${tenantId}`}, 0))`;
    return this.countSeats(tenantId);
  }

  async countSeats(tenantId: string): Promise<number> {
    const [row] = await this.db.sql<{ taken: unknown }>`
      select (select count(*) from memberships where tenant_id = ${tenantId}::uuid)
           + (select count(*) from invitations
              where tenant_id = ${tenantId}::uuid and accepted_at is null and revoked_at is null and expires_at > now()) as taken`;
    return num(row?.taken ?? 0);
  }

  /** Daily consumption from `since` (inclusive), oldest first. */
  async daily(tenantId: string, since: string): Promise<Array<{ day: string; metric: UsageMetric; amount: number }>> {
    const rows = await this.db.client.usageDaily.findMany({
      where: { tenantId, day: { gte: new Date(`${since}T00:00:00Z`) } },
      orderBy: [{ day: 'asc' }, { metric: 'asc' }],
      select: { day: true, metric: true, amount: true },
    });
    return rows.map((r) => ({ day: r.day.toISOString().slice(0, 10), metric: r.metric as UsageMetric, amount: num(r.amount) }));
  }
}
