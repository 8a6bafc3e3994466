import { Injectable } from '@nestjs/common';
import { Prisma } from '../../../generated/prisma/client.js';
import { PlatformDb } from '../../../platform/db/platform-db.js';

export interface DayCount {
  /** YYYY-MM-DD, UTC. */
  day: string;
  count: number;
}

/** Cross-tenant counts, through the platform role (BYPASSRLS): platform analytics only. */
@Injectable()
export class PlatformAnalyticsRepository {
  constructor(private readonly platform: PlatformDb) {}

  async tenantsBy(field: 'status' | 'plan'): Promise<Record<string, number>> {
    const column = field === 'status' ? Prisma.sql`status::text` : Prisma.sql`plan`;
    const groups = await this.platform.client.$queryRaw<Array<{ key: string; n: number }>>`
      select ${column} as key, count(*)::int as n from tenants group by 1 order by 1`;
    return Object.fromEntries(groups.map((g) => [g.key, g.n]));
  }

  usersTotal(): Promise<number> {
    return this.platform.client.user.count();
  }

  signupsPerDay(days: number): Promise<DayCount[]> {
    return this.perDay(days, Prisma.sql`select created_at as at from users`);
  }

  loginsPerDay(days: number): Promise<DayCount[]> {
    return this.perDay(days, Prisma.sql`select created_at as at from audit_events where action = 'auth.login'`);
  }

  /** Messages per day, or null while the chat module's messages table does not exist. */
  async messagesPerDay(days: number): Promise<DayCount[] | null> {
    const [found] = await this.platform.client.$queryRaw<Array<{ present: boolean }>>`select to_regclass('messages') is not null as present`;
    return found?.present ? this.perDay(days, Prisma.sql`select created_at as at from messages`) : null;
  }

  /** One row per UTC day of the last `days` (today included), zeros included, oldest first. */
  private perDay(days: number, events: Prisma.Sql): Promise<DayCount[]> {
    return this.platform.client.$queryRaw<DayCount[]>`
      with days as (
        select d::date as day
          from generate_series((now() at time zone 'UTC')::date - (${days}::int - 1), (now() at time zone 'UTC')::date, interval '1 day') d
      ),
      events as (
        select (e.at at time zone 'UTC')::date as day
          from (${events}) e
         where e.at >= ((now() at time zone 'UTC')::date - (${days}::int - 1))::timestamp at time zone 'UTC'
      )
      select to_char(days.day, 'YYYY-MM-DD') as day, count(events.day)::int as count
        from days left join events on events.day = days.day
       group by days.day
       order by days.day`;
  }
}
