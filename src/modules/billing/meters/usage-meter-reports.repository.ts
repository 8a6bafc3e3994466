import { Injectable } from '@nestjs/common';
import { TenantDb } from '../../../platform/db/tenant-db.js';

export interface UsageRecord {
  id: string;
  metric: string;
  day: Date;
  amount: bigint;
  reportedAt: Date | null;
}

const RECORD_SELECT = { id: true, metric: true, day: true, amount: true, reportedAt: true } as const;

/** usage_daily read for reporting, and usage_meter_reports (both tenant-owned: RLS applies). */
@Injectable()
export class UsageMeterReportsRepository {
  constructor(private readonly db: TenantDb) {}

  /** Daily usage of `metrics` on days in [from, before), with an amount. */
  dailyUsage(tenantId: string, metrics: readonly string[], from: Date, before: Date): Promise<Array<{ metric: string; day: Date; amount: bigint }>> {
    return this.db.client.usageDaily.findMany({
      where: { tenantId, metric: { in: [...metrics] }, day: { gte: from, lt: before }, amount: { gt: 0n } },
      select: { metric: true, day: true, amount: true },
      orderBy: [{ day: 'asc' }, { metric: 'asc' }],
    });
  }

  find(tenantId: string, metric: string, day: Date): Promise<UsageRecord | null> {
    return this.db.client.usageMeterReport.findUnique({ where: { tenantId_metric_day: { tenantId, metric, day } }, select: RECORD_SELECT });
  }

  /** The usage record of (metric, day), created or brought to `amount` (only while not reported). */
  upsert(tenantId: string, metric: string, day: Date, amount: bigint): Promise<UsageRecord> {
    return this.db.client.usageMeterReport.upsert({
      where: { tenantId_metric_day: { tenantId, metric, day } },
      create: { tenantId, metric, day, amount },
      update: { amount },
      select: RECORD_SELECT,
    });
  }

  async markReported(tenantId: string, id: string, at: Date): Promise<void> {
    await this.db.client.usageMeterReport.updateMany({ where: { tenantId, id, reportedAt: null }, data: { reportedAt: at } });
  }
}
