import { Injectable } from '@nestjs/common';
import { TenantDb } from '../../platform/db/tenant-db.js';
import { type Statement, sqlText as sql, statement } from '../../platform/db/statement.js';
import type { UsageMetric } from './usage-metrics.js';

export interface CounterRow {
  metric: UsageMetric;
  used: number;
  reserved: number;
}

export interface UsageAmount {
  metric: UsageMetric;
  amount: number;
}

/** A reservation's ledger row, as `reserve` writes it. */
export interface LedgerEntry {
  id: string;
  periodStart: string;
  createdAt: Date;
  expiresAt: Date;
  /** Positive, whole amounts; may be empty (the row then only makes settle and release idempotent). */
  amounts: UsageAmount[];
}

/**
 * What settle or release found: the reservation still held (its amounts were given back), already
 * released by the reconciliation (nothing given back), or gone (settled, released, or reconciled
 * so long ago that the row was forgotten: nothing given back, nothing recorded).
 */
export type LedgerOutcome = 'held' | 'reconciled' | 'gone';

export interface Reconciled {
  /** Expired reservations released by this run. */
  reservations: number;
  /** What they gave back, per period and metric. */
  released: Array<{ periodStart: string; metric: UsageMetric; amount: number }>;
  /** Reconciled rows old enough to forget, deleted. */
  forgotten: number;
}

/** One day's consumption by one user or API key (or neither) with one model. */
export interface Attribution {
  day: string;
  userId: string | null;
  apiKeyId: string | null;
  model: string | null;
  messages: number;
  promptTokens: number;
  completionTokens: number;
}

const num = (value: unknown): number => Number(value);
const outcomeOf = (rows: Array<{ reconciled: boolean }>): LedgerOutcome => (rows.length === 0 ? 'gone' : rows[0]!.reconciled ? 'reconciled' : 'held');

/**
 * usage_counters, usage_daily and the reservation ledger (usage_reservations). Every change is one
 * atomic statement (`x = x + n`, data-modifying CTEs for the ledger): concurrent calls never lose
 * an update, the row lock each takes orders them for the limit check, and a reservation's ledger
 * row and its share of `reserved` are written and removed together or not at all.
 *
 * Counter rows are always changed through INSERT ... SELECT ... ORDER BY metric ... ON CONFLICT DO
 * UPDATE: the rows are locked in that order in every statement, so two units of work touching the
 * same tenant's messages and tokens cannot deadlock (UPDATE ... FROM locks in plan order).
 * Subtractions from `reserved` clamp at 0: while a deployment replaces the release before the
 * ledger, an old process's release may already have taken a new reservation's amount.
 */
@Injectable()
export class UsageRepository {
  constructor(private readonly db: TenantDb) {}

  /**
   * Writes the reservation's ledger row and adds its amounts to `reserved` (creating the period's
   * counter rows), in one statement that also refuses it: a counter whose used + reserved passes
   * its limit in `limits` (a metric left out is unlimited) makes the statement raise TQ001
   * (usage_quota_refused, with the metric, limit and used amount as DETAIL), which undoes it and
   * everything sent with it. The counter's row lock, taken by the upsert, orders concurrent
   * reservations, so each compares against every one committed before it: no overshoot.
   * Reads the counters after the change.
   */
  reservation(tenantId: string, entry: LedgerEntry, limits: Partial<Record<UsageMetric, number>>): Statement<CounterRow[]> {
    const amounts = JSON.stringify(Object.fromEntries(entry.amounts.map((a) => [a.metric, a.amount])));
    const capped = Object.entries(limits).filter((l): l is [UsageMetric, number] => typeof l[1] === 'number');
    return statement(
      sql`
      with ledger as (
        insert into usage_reservations (tenant_id, id, period_start, amounts, created_at, expires_at)
        values (${tenantId}::uuid, ${entry.id}::uuid, ${entry.periodStart}::date, ${amounts}::jsonb,
                ${entry.createdAt.toISOString()}::timestamptz, ${entry.expiresAt.toISOString()}::timestamptz)
      ),
      counted as (
        insert into usage_counters as c (tenant_id, metric, period_start, reserved)
        select ${tenantId}::uuid, x.metric, ${entry.periodStart}::date, x.amount
        from unnest(${entry.amounts.map((a) => a.metric)}::text[], ${entry.amounts.map((a) => String(a.amount))}::bigint[]) as x(metric, amount)
        order by x.metric
        on conflict (tenant_id, metric, period_start)
        do update set reserved = c.reserved + excluded.reserved, updated_at = now()
        returning c.metric, c.used, c.reserved
      )
      select counted.metric, counted.used, counted.reserved,
             case when counted.used + counted.reserved > l.max then usage_quota_refused(counted.metric, l.max, counted.used) end as refused
        from counted
        left join unnest(${capped.map(([metric]) => metric)}::text[], ${capped.map(([, max]) => String(Math.floor(max)))}::bigint[]) as l(metric, max)
          on l.metric = counted.metric
       order by counted.metric`,
      (rows) => rows.map((r) => ({ metric: r.metric as UsageMetric, used: num(r.used), reserved: num(r.reserved) })),
    );
  }

  /**
   * Deletes the reservation's ledger row; releases what the row held unless the reconciliation
   * already did; records `uses` in the counters (of the row's period) and the day's history when
   * the row was there, whether still held or reconciled. A second settle finds no row: it changes
   * nothing. One statement (PostgreSQL runs every data-modifying CTE, referenced or not).
   */
  settlement(tenantId: string, reservationId: string, day: string, uses: UsageAmount[]): Statement<LedgerOutcome> {
    return statement(
      sql`
      with gone as (
        delete from usage_reservations
        where tenant_id = ${tenantId}::uuid and id = ${reservationId}::uuid
        returning period_start, amounts, released_at
      ),
      held as (
        select a.key as metric, a.value::bigint as amount
        from gone cross join jsonb_each_text(gone.amounts) as a
        where gone.released_at is null
      ),
      consumed as (
        select x.metric, x.amount
        from unnest(${uses.map((u) => u.metric)}::text[], ${uses.map((u) => String(u.amount))}::bigint[]) as x(metric, amount)
        where x.amount > 0 and exists (select 1 from gone)
      ),
      change as (
        select parts.metric, sum(parts.release)::bigint as release, sum(parts.use)::bigint as use
        from (select metric, amount as release, 0::bigint as use from held
              union all
              select metric, 0::bigint, amount from consumed) as parts
        group by parts.metric
      ),
      counted as (
        insert into usage_counters as c (tenant_id, metric, period_start, used, reserved)
        select ${tenantId}::uuid, change.metric, gone.period_start, change.use, 0
        from change cross join gone
        order by change.metric
        on conflict (tenant_id, metric, period_start)
        do update set
          used = c.used + excluded.used,
          reserved = greatest(c.reserved - (select change.release from change where change.metric = excluded.metric), 0),
          updated_at = now()
      ),
      history as (
        insert into usage_daily as d (tenant_id, metric, day, amount)
        select ${tenantId}::uuid, consumed.metric, ${day}::date, consumed.amount from consumed
        order by consumed.metric
        on conflict (tenant_id, metric, day) do update set amount = d.amount + excluded.amount
      )
      select gone.released_at is not null as reconciled from gone`,
      (rows) => outcomeOf(rows as Array<{ reconciled: boolean }>),
    );
  }

  /** Adds consumption that had no reservation (a metered metric no quota caps), to the counters and the day's history. */
  async record(tenantId: string, periodStart: string, day: string, uses: UsageAmount[]): Promise<void> {
    await this.db.sql`
      with used as (
        select * from unnest(${uses.map((u) => u.metric)}::text[], ${uses.map((u) => String(u.amount))}::bigint[]) as x(metric, amount)
      ),
      counted as (
        insert into usage_counters as c (tenant_id, metric, period_start, used, reserved)
        select ${tenantId}::uuid, used.metric, ${periodStart}::date, used.amount, 0 from used
        order by used.metric
        on conflict (tenant_id, metric, period_start) do update set used = c.used + excluded.used, updated_at = now()
      )
      insert into usage_daily as d (tenant_id, metric, day, amount)
      select ${tenantId}::uuid, used.metric, ${day}::date, used.amount from used
      order by used.metric
      on conflict (tenant_id, metric, day) do update set amount = d.amount + excluded.amount`;
  }

  /** Deletes the reservation's ledger row and gives back what it held (unless reconciled already). */
  releasing(tenantId: string, reservationId: string): Statement<LedgerOutcome> {
    return statement(
      sql`
      with gone as (
        delete from usage_reservations
        where tenant_id = ${tenantId}::uuid and id = ${reservationId}::uuid
        returning period_start, amounts, released_at
      ),
      held as (
        select gone.period_start, a.key as metric, a.value::bigint as amount
        from gone cross join jsonb_each_text(gone.amounts) as a
        where gone.released_at is null
      ),
      released as (
        insert into usage_counters as c (tenant_id, metric, period_start, reserved)
        select ${tenantId}::uuid, held.metric, held.period_start, 0 from held
        order by held.metric
        on conflict (tenant_id, metric, period_start)
        do update set
          reserved = greatest(c.reserved - (select held.amount from held where held.metric = excluded.metric), 0),
          updated_at = now()
      )
      select gone.released_at is not null as reconciled from gone`,
      (rows) => outcomeOf(rows as Array<{ reconciled: boolean }>),
    );
  }

  /**
   * Releases every reservation of the tenant that expired before `now` (marking its row
   * released_at = now, kept so that a late settle still records its use), and deletes rows
   * released before `forgetBefore`. One statement.
   */
  async reconcile(tenantId: string, now: Date, forgetBefore: Date): Promise<Reconciled> {
    const [row] = await this.db.sql<{ reservations: unknown; forgotten: unknown; released: Array<{ periodStart: string; metric: UsageMetric; amount: number }> }>`
      with expired as (
        update usage_reservations set released_at = ${now.toISOString()}::timestamptz
        where tenant_id = ${tenantId}::uuid and released_at is null and expires_at < ${now.toISOString()}::timestamptz
        returning period_start, amounts
      ),
      held as (
        select expired.period_start, a.key as metric, sum(a.value::bigint)::bigint as amount
        from expired cross join jsonb_each_text(expired.amounts) as a
        group by expired.period_start, a.key
      ),
      released as (
        insert into usage_counters as c (tenant_id, metric, period_start, reserved)
        select ${tenantId}::uuid, held.metric, held.period_start, 0 from held
        order by held.period_start, held.metric
        on conflict (tenant_id, metric, period_start)
        do update set
          reserved = greatest(c.reserved - (select held.amount from held where held.metric = excluded.metric and held.period_start = excluded.period_start), 0),
          updated_at = now()
      ),
      forgotten as (
        delete from usage_reservations
        where tenant_id = ${tenantId}::uuid and released_at < ${forgetBefore.toISOString()}::timestamptz
        returning 1
      )
      select (select count(*) from expired) as reservations,
             (select count(*) from forgotten) as forgotten,
             coalesce((select jsonb_agg(jsonb_build_object('periodStart', held.period_start, 'metric', held.metric, 'amount', held.amount)
                                        order by held.period_start, held.metric) from held), '[]'::jsonb) as released`;
    return {
      reservations: num(row?.reservations ?? 0),
      forgotten: num(row?.forgotten ?? 0),
      released: (row?.released ?? []).map((r) => ({ periodStart: r.periodStart, metric: r.metric, amount: num(r.amount) })),
    };
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

  /**
   * What GET /usage shows, in ONE statement (one snapshot, one round trip): the period's counters
   * (as `counters`), the seats taken (as `countSeats`) and the daily consumption from `since`
   * (as `daily`).
   */
  async report(tenantId: string, periodStart: string, since: string): Promise<{ counters: CounterRow[]; seats: number; daily: Array<{ day: string; metric: UsageMetric; amount: number }> }> {
    type ReportRow = { counters: Array<{ metric: string; used: string; reserved: string }>; seats: unknown; daily: Array<{ day: string; metric: string; amount: string }> };
    // Sent by pg itself (TenantDb.batch), not through Prisma's client: the overview asks on every load.
    const [row] = await this.db.batch(statement(sql`
      select coalesce((select json_agg(json_build_object('metric', c.metric, 'used', c.used::text, 'reserved', c.reserved::text) order by c.metric)
                         from usage_counters c where c.tenant_id = ${tenantId}::uuid and c.period_start = ${periodStart}::date), '[]'::json) as counters,
             (select count(*) from memberships where tenant_id = ${tenantId}::uuid)
           + (select count(*) from invitations
              where tenant_id = ${tenantId}::uuid and accepted_at is null and revoked_at is null and expires_at > now()) as seats,
             coalesce((select json_agg(json_build_object('day', d.day::text, 'metric', d.metric, 'amount', d.amount::text) order by d.day, d.metric)
                         from usage_daily d where d.tenant_id = ${tenantId}::uuid and d.day >= ${since}::date), '[]'::json) as daily`, ([r]) => r as ReportRow));
    return {
      counters: row.counters.map((c) => ({ metric: c.metric as UsageMetric, used: num(c.used), reserved: num(c.reserved) })),
      seats: num(row.seats),
      daily: row.daily.map((d) => ({ day: d.day, metric: d.metric as UsageMetric, amount: num(d.amount) })),
    };
  }

  /** Adds to the day's row of that user, API key and model (one upsert; NULLs are one key: NULLS NOT DISTINCT). */
  attribution(tenantId: string, a: Attribution): Statement<void> {
    return statement(
      sql`
      insert into usage_attribution as u (tenant_id, day, user_id, api_key_id, model, messages, prompt_tokens, completion_tokens)
      values (${tenantId}::uuid, ${a.day}::date, ${a.userId}::uuid, ${a.apiKeyId}::uuid, ${a.model}, ${a.messages}::bigint, ${a.promptTokens}::bigint, ${a.completionTokens}::bigint)
      on conflict (tenant_id, day, user_id, api_key_id, model) do update set
        messages = u.messages + excluded.messages,
        prompt_tokens = u.prompt_tokens + excluded.prompt_tokens,
        completion_tokens = u.completion_tokens + excluded.completion_tokens`,
      () => undefined,
    );
  }
}
