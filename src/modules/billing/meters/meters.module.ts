import { Module } from '@nestjs/common';
import { BillingAccountsRepository } from '../billing-accounts.repository.js';
import { StripeInboxModule } from '../inbox/stripe-inbox.module.js';
import { StripeClient } from '../stripe/stripe-client.js';
import { METER_REPORT_QUEUE, MeterReportJobs } from './meter-report.jobs.js';
import { ReportUsageJob } from './report-usage.job.js';
import { UsageMeterReportsRepository } from './usage-meter-reports.repository.js';
import { UsageMetersService } from './usage-meters.service.js';
import { registerQueues } from '../../../platform/queue/register-queues.js';

/**
 * Metered usage (tokens, messages) reported to Stripe Billing Meters by a job per tenant and day
 * (MeterReportJobs.enqueue), fanned out daily at 00:15 UTC by a repeatable job.
 */
@Module({
  imports: [registerQueues(METER_REPORT_QUEUE), StripeInboxModule],
  providers: [MeterReportJobs, UsageMetersService, UsageMeterReportsRepository, ReportUsageJob, StripeClient, BillingAccountsRepository],
  exports: [MeterReportJobs, UsageMetersService],
})
export class MetersModule {}
