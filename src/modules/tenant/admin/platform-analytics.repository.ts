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
 * statements in all; the per-day one reads each source through an index on its creation time
 * (migration 20261203910000_console_ops_analytics).
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

  /** One row per UTC day of the last `days` (today included), zeros included, oldest first. */
  perDay(days: number): Promise<DayActivity[]> {
    return this.platform.client.$queryRaw<DayActivity[]>`
      with window_start as (
        select (now() at time zone 'UTC')::date - (${days}::int - 1) as day
      ),
      since as (
        select (day::timestamp at time zone 'UTC') as at from window_start
      ),
      days as (
        select d::date as day
          from window_start, generate_series(window_start.day, (now() at time zone 'UTC')::date, interval '1 day') d
      ),
      users as (
        select (created_at at time zone 'UTC')::date as day, count(*) as n from users where created_at >= (select at from since) group by 1
      ),
      tenants as (
        select (created_at at time zone 'UTC')::date as day, count(*) as n from tenants where created_at >= (select at from since) group by 1
      ),
      logins as (
        select (created_at at time zone 'UTC')::date as day, count(*) as n
          from audit_events where action = 'auth.login' and created_at >= (select at from since) group by 1
      ),
      messages as (
        select (created_at at time zone 'UTC')::date as day, count(*) as n from messages where created_at >= (select at from since) group by 1
      )
      select to_char(days.day, 'YYYY-MM-DD') as day,
             coalesce(users.n, 0)::int as users,
             coalesce(tenants.n, 0)::int as tenants,
             coalesce(logins.n, 0)::int as logins,
             coalesce(messages.n, 0)::int as messages
        from days
        left join users using (day)
        left join tenants using (day)
        left join logins using (day)
        left join messages using (day)
       order by days.day`;
  }
}
