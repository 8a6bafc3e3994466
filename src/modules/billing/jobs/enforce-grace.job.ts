import { Processor, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, type Job } from 'bullmq';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { runTenantJob, tenantJobPayload } from '../../../platform/queue/tenant-job.js';
import { type GraceOutcome, SubscriptionSyncService } from '../sync/subscription-sync.service.js';
import { BILLING_GRACE_QUEUE } from './billing-jobs.js';

/** Ends a past_due tenant's grace period: suspends it if Stripe still says past_due or unpaid (job id: billing-grace-<tenantId>). */
@Processor(BILLING_GRACE_QUEUE)
export class EnforceGraceJob extends WorkerHost {
  constructor(
    private readonly ctx: TenantContext,
    private readonly sync: SubscriptionSyncService,
  ) {
    super();
  }

  async process(job: Job, token?: string): Promise<GraceOutcome> {
    const result = await runTenantJob(this.ctx, tenantJobPayload, job, () => this.sync.enforceGrace());
    if (result.outcome === 'not_due') {
      // Woken early (a clock ahead, or the grace period moved): sleep until it ends.
      await job.moveToDelayed(result.dueAt.getTime(), token);
      throw new DelayedError();
    }
    return result;
  }
}
