import { Processor, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, type Job } from 'bullmq';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { runTenantJob, tenantJobPayload } from '../../../platform/queue/tenant-job.js';
import type { ErasureOutcome } from '../lifecycle/erasure-schedule.js';
import { TenantLifecycleService } from '../lifecycle/tenant-lifecycle.service.js';
import { ERASE_TENANT_QUEUE } from './tenant-jobs.js';

/** Erases a deleted tenant once its grace period is over (job id: erase-tenant-<tenantId>). */
@Processor(ERASE_TENANT_QUEUE)
export class EraseTenantJob extends WorkerHost {
  constructor(
    private readonly ctx: TenantContext,
    private readonly lifecycle: TenantLifecycleService,
  ) {
    super();
  }

  async process(job: Job, token?: string): Promise<ErasureOutcome> {
    const result = await runTenantJob(this.ctx, tenantJobPayload, job, () => this.lifecycle.erase());
    if (result.outcome === 'not_due') {
      // Woken early (a clock ahead, or a deletion rescheduled later): sleep until the due time.
      await job.moveToDelayed(result.dueAt.getTime(), token);
      throw new DelayedError();
    }
    return result;
  }
}
