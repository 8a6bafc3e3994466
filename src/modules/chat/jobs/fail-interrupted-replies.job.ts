import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { runTenantJob, tenantJobPayload } from '../../../platform/queue/tenant-job.js';
import { type InterruptedRepliesOutcome, InterruptedRepliesService } from '../conversations/interrupted-replies.service.js';
import { InterruptedReplies } from '../interrupted-replies/interrupted-replies.repository.js';
import { INTERRUPTED_REPLIES_QUEUE, INTERRUPTED_REPLIES_SWEEP_JOB, InterruptedRepliesJobs } from './interrupted-replies.jobs.js';

/**
 * Fails the replies whose process died (job id: fail-interrupted-replies-<tenantId>-<minute>), in
 * the tenant's context, under RLS; the sweep (every minute) enqueues one per tenant that has some,
 * found through the platform role (InterruptedReplies, read only). Both are idempotent: a reply
 * already failed or completed is not pending any more.
 */
@Processor(INTERRUPTED_REPLIES_QUEUE)
export class FailInterruptedRepliesJob extends WorkerHost {
  private readonly logger = new Logger('InterruptedReplies');

  constructor(
    private readonly ctx: TenantContext,
    private readonly replies: InterruptedRepliesService,
    private readonly jobs: InterruptedRepliesJobs,
    private readonly interrupted: InterruptedReplies,
  ) {
    super();
  }

  async process(job: Job): Promise<InterruptedRepliesOutcome | { enqueued: number }> {
    if (job.name === INTERRUPTED_REPLIES_SWEEP_JOB) {
      const now = new Date();
      const tenants = await this.interrupted.tenantsWithInterruptedReplies(this.replies.cutoff(now));
      for (const tenantId of tenants) await this.jobs.enqueue(tenantId, now);
      if (tenants.length > 0) this.logger.log({ tenants: tenants.length }, 'tenants with interrupted chat replies');
      return { enqueued: tenants.length };
    }
    return runTenantJob(this.ctx, tenantJobPayload, job, () => this.replies.failInterrupted());
  }
}
