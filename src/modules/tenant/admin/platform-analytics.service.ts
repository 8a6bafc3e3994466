import { Injectable } from '@nestjs/common';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { type DayActivity, PlatformAnalyticsRepository } from './platform-analytics.repository.js';
import { requirePlatformAdmin } from './platform-admin.js';

export interface DayCount {
  /** YYYY-MM-DD, UTC. */
  day: string;
  count: number;
}

export interface PlatformAnalytics {
  days: number;
  tenants: { total: number; byStatus: Record<string, number>; byPlan: Record<string, number> };
  users: { total: number };
  /** Users created per UTC day (sign-ups, accepted invitations, owners made by an admin). */
  signupsPerDay: DayCount[];
  /** Tenants created per UTC day. */
  newTenantsPerDay: DayCount[];
  /** auth.login audit events per UTC day (tenants erased since then no longer count; platform sessions have no tenant log). */
  loginsPerDay: DayCount[];
  /** Chat messages (users' and assistant's) stored per UTC day. */
  messagesPerDay: DayCount[];
}

const STATUSES = ['active', 'suspended', 'deleted'] as const;

/** Cross-tenant analytics for platform administrators. */
@Injectable()
export class PlatformAnalyticsService {
  constructor(
    private readonly ctx: TenantContext,
    private readonly analytics: PlatformAnalyticsRepository,
  ) {}

  async summary(days: number): Promise<PlatformAnalytics> {
    requirePlatformAdmin(this.ctx);
    const [counts, perDay] = await Promise.all([this.analytics.counts(), this.analytics.perDay(days)]);
    const series = (key: keyof Omit<DayActivity, 'day'>): DayCount[] => perDay.map((d) => ({ day: d.day, count: d[key] }));
    return {
      days,
      tenants: {
        total: Object.values(counts.byStatus).reduce((a, b) => a + b, 0),
        byStatus: { ...Object.fromEntries(STATUSES.map((s) => [s, 0])), ...counts.byStatus },
        byPlan: counts.byPlan,
      },
      users: { total: counts.users },
      signupsPerDay: series('users'),
      newTenantsPerDay: series('tenants'),
      loginsPerDay: series('logins'),
      messagesPerDay: series('messages'),
    };
  }
}
