import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { runTenantJob, tenantJobPayload } from '../../../platform/queue/tenant-job.js';
import { SEAT_QUANTITY_QUEUE } from './seat-quantity.jobs.js';
import { type SeatSyncOutcome, SeatQuantityService } from './seat-quantity.service.js';

/** Sets the Stripe seat quantity to the member count (job id: seat-quantity-<tenantId>). */
@Processor(SEAT_QUANTITY_QUEUE)
export class SyncSeatQuantityJob extends WorkerHost {
  constructor(
    private readonly ctx: TenantContext,
    private readonly seats: SeatQuantityService,
  ) {
    super();
  }

  process(job: Job): Promise<SeatSyncOutcome> {
    // The same key on every retry of this job; a later job (a later change) gets its own.
    return runTenantJob(this.ctx, tenantJobPayload, job, () => this.seats.sync(`seats-${job.id}-${job.timestamp}`));
  }
}
