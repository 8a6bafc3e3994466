import { Injectable } from '@nestjs/common';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { type DayCount, PlatformAnalyticsRepository } from './platform-analytics.repository.js';
import { requirePlatformAdmin } from './platform-admin.js';

export interface PlatformAnalytics {
  days: number;
  tenants: { total: number; byStatus: Record<string, number>; byPlan: Record<string, number> };
  users: { total: number };
  /** Users created per UTC day. */
  signupsPerDay: DayCount[];
  /** auth.login audit events per UTC day (tenants erased since then no longer count). */
  loginsPerDay: DayCount[];
  /** Chat messages per UTC day; empty, with a note, until the chat module exists. */
  messagesPerDay: DayCount[];
  notes?: Record<string, string>;
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
    const [byStatus, byPlan, usersTotal, signupsPerDay, loginsPerDay, messagesPerDay] = await Promise.all([
      this.analytics.tenantsBy('status'),
      this.analytics.tenantsBy('plan'),
      this.analytics.usersTotal(),
      this.analytics.signupsPerDay(days),
      this.analytics.loginsPerDay(days),
      this.analytics.messagesPerDay(days),
    ]);
    return {
      days,
      tenants: {
        total: Object.values(byStatus).reduce((a, b) => a + b, 0),
        byStatus: { ...Object.fromEntries(STATUSES.map((s) => [s, 0])), ...byStatus },
        byPlan,
      },
      users: { total: usersTotal },
      signupsPerDay,
      loginsPerDay,
      messagesPerDay: messagesPerDay ?? [],
      ...(messagesPerDay === null && { notes: { messagesPerDay: 'not available: the chat module is not installed' } }),
    };
  }
}
