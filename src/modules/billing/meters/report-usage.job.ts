import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { runTenantJob, tenantJobPayload } from '../../../platform/queue/tenant-job.js';
import { StripeInbox } from '../inbox/stripe-inbox.repository.js';
import { FAN_OUT_JOB, METER_REPORT_QUEUE, MeterReportJobs } from './meter-report.jobs.js';
import { type MeterReportOutcome, UsageMetersService } from './usage-meters.service.js';

/**
 * Reports the tenant's completed days of metered usage to Stripe (job id:
 * meter-report-<tenantId>-<yyyymmdd>); the daily fan-out job enqueues one per tenant with a
 * Stripe customer (the only cross-tenant read, through the billing inbox's platform lookup).
 */
@Processor(METER_REPORT_QUEUE)
export class ReportUsageJob extends WorkerHost {
  constructor(
    private readonly ctx: TenantContext,
    private readonly meters: UsageMetersService,
    private readonly jobs: MeterReportJobs,
    private readonly inbox: StripeInbox,
  ) {
    super();
  }

  async process(job: Job): Promise<MeterReportOutcome | { enqueued: number }> {
    if (job.name === FAN_OUT_JOB) {
      const tenants = await this.inbox.tenantsWithCustomers();
      for (const tenantId of tenants) await this.jobs.enqueue(tenantId);
      return { enqueued: tenants.length };
    }
    return runTenantJob(this.ctx, tenantJobPayload, job, () => this.meters.report());
  }
}
