import { Injectable } from '@nestjs/common';
import { PlatformDb } from '../../../platform/db/platform-db.js';

/** One UTC day of the platform's activity. */
export interface DayActivity {
  /** YYYY-MM-DD, UTC. */
  day: string;
  /** Users created (sign-ups, accepted invitations, owners made by an admin). */
  users: number;
  /** Tenants created. */
  tenants: number;
  /** Successful sign-ins (auth.login audit events). */
  logins: number;
  /** Chat messages stored (the users' and the assistant's). */
  messages: number;
}

export interface TenantCounts {
  byStatus: Record<string, number>;
  /** Every plan of the plans table, zeros included (and any other plan a tenant is on). */
  byPlan: Record<string, number>;
  users: number;
}

/**
 * Cross-tenant counts, through the platform role (BYPASSRLS): platform analytics only. Two
 * queries in all; the per-day one reads each source through an index on its creation time
 * (migration 20261203920000_console_ops_analytics).
 */
@Injectable()
export class PlatformAnalyticsRepository {
  constructor(private readonly platform: PlatformDb) {}

  async counts(): Promise<TenantCounts> {
    const rows = await this.platform.client.$queryRaw<Array<{ kind: 'status' | 'plan' | 'users'; key: string; n: number }>>`
      select 'status' as kind, status::text as key, count(*)::int as n from tenants group by status
      union all
      select 'plan', p.id, count(t.id)::int from plans p left join tenants t on t.plan = p.id group by p.id
      union all
      select 'plan', t.plan, count(*)::int from tenants t where not exists (select 1 from plans p where p.id = t.plan) group by t.plan
      union all
      select 'users', 'total', count(*)::int from users`;
    const pick = (kind: 'status' | 'plan') => Object.fromEntries(rows.filter((r) => r.kind === kind).map((r) => [r.key, r.n]));
    return { byStatus: pick('status'), byPlan: pick('plan'), users: rows.find((r) => r.kind === 'users')?.n ?? 0 };
  }

  /**
   * One row per UTC day of the last `days` (today included), zeros included, oldest first. The
   * window's first instant is a bound value, not an expression: the planner then sees how few rows
   * it keeps and takes the indexes. JIT is off for it: compiling this plan cost seconds and saved
   * nothing (a count over an index range), measured on 3 M messages.
   */
  async perDay(days: number, now: Date = new Date()): Promise<DayActivity[]> {
    const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (days - 1)));
    const [, rows] = await this.platform.client.$transaction([
      this.platform.client.$executeRaw`set local jit = off`,
      this.platform.client.$queryRaw<DayActivity[]>`
        with days as (
          select d::date as day from generate_series(${since}::timestamptz at time zone 'UTC', ${now}::timestamptz at time zone 'UTC', interval '1 day') d
        ),
        events as (
          select 'users' as kind, (created_at at time zone 'UTC')::date as day from users where created_at >= ${since}::timestamptz
          union all
          select 'tenants', (created_at at time zone 'UTC')::date from tenants where created_at >= ${since}::timestamptz
          union all
          select 'logins', (created_at at time zone 'UTC')::date from audit_events where action = 'auth.login' and created_at >= ${since}::timestamptz
          union all
          select 'messages', (created_at at time zone 'UTC')::date from messages where created_at >= ${since}::timestamptz
        ),
        counts as (
          select day,
                 count(*) filter (where kind = 'users') as users,
                 count(*) filter (where kind = 'tenants') as tenants,
                 count(*) filter (where kind = 'logins') as logins,
                 count(*) filter (where kind = 'messages') as messages
            from events group by day
        )
        select to_char(days.day, 'YYYY-MM-DD') as day,
               coalesce(counts.users, 0)::int as users,
               coalesce(counts.tenants, 0)::int as tenants,
               coalesce(counts.logins, 0)::int as logins,
               coalesce(counts.messages, 0)::int as messages
          from days left join counts using (day)
         order by days.day`,
    ]);
    return rows;
  }
}
