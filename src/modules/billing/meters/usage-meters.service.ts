import { Injectable } from '@nestjs/common';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { BillingAccountsRepository } from '../billing-accounts.repository.js';
import { StripeClient } from '../stripe/stripe-client.js';
import { UsageMeterReportsRepository } from './usage-meter-reports.repository.js';

/** Metrics reported to Stripe Billing Meters; the meter's event name is `tenantry_<metric>`. */
export const METERED_METRICS = ['tokens', 'messages'] as const;
export const meterEventName = (metric: string): string => `tenantry_${metric}`;
/** Stripe accepts meter events up to 35 days old; older unreported days are left alone. */
export const METER_LOOKBACK_DAYS = 30;

const DAY_MS = 86_400_000;
const startOfUtcDay = (at: Date): Date => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));

export type MeterReportOutcome = { outcome: 'no_customer' } | { outcome: 'reported'; events: number };

/**
 * Reports the tenant's completed UTC days of metered usage to Stripe: per (metric, day) one usage
 * record (usage_meter_reports), one meter event whose identifier is the record id (Stripe drops a
 * repeated identifier, so a retry after a crash between the send and the mark is harmless), then
 * the record is marked reported and never sent again.
 */
@Injectable()
export class UsageMetersService {
  constructor(
    private readonly ctx: TenantContext,
    private readonly accounts: BillingAccountsRepository,
    private readonly reports: UsageMeterReportsRepository,
    private readonly stripe: StripeClient,
  ) {}

  async report(now: Date = new Date()): Promise<MeterReportOutcome> {
    const tenantId = this.ctx.requireTenantId('reporting metered usage');
    const account = await this.accounts.find(tenantId);
    if (!account?.stripeCustomerId || !this.stripe.api) return { outcome: 'no_customer' };
    const today = startOfUtcDay(now);
    const from = new Date(today.getTime() - METER_LOOKBACK_DAYS * DAY_MS);
    let events = 0;
    for (const usage of await this.reports.dailyUsage(tenantId, METERED_METRICS, from, today)) {
      const existing = await this.reports.find(tenantId, usage.metric, usage.day);
      if (existing?.reportedAt) continue;
      const record = await this.reports.upsert(tenantId, usage.metric, usage.day, usage.amount);
      // The last second of the day the usage belongs to.
      const timestamp = Math.floor((usage.day.getTime() + DAY_MS) / 1000) - 1;
      await this.stripe.call('report metered usage', (api) =>
        api.billing.meterEvents.create({
          event_name: meterEventName(record.metric),
          payload: { stripe_customer_id: account.stripeCustomerId, value: String(record.amount) },
          identifier: record.id,
          timestamp,
        }),
      );
      await this.reports.markReported(tenantId, record.id, new Date());
      events++;
    }
    return { outcome: 'reported', events };
  }
}
