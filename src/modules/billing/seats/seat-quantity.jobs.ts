import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { QueueProducer } from '../../../platform/queue/queue-producer.js';

export const SEAT_QUANTITY_QUEUE = 'billing-seat-quantity';
/** Changes within this long after the first one fold into one Stripe update (debounce). */
export const SEAT_QUANTITY_DELAY_MS = 5_000;

/** One pending sync per tenant (BullMQ refuses ':' in custom ids). */
export const seatQuantityJobId = (tenantId: string): string => `seat-quantity-${tenantId}`;

/**
 * Schedules the sync of the tenant's Stripe seat quantity with its member count. Deterministic
 * job id per tenant, delayed: a burst of member changes makes one job, which reads the count when
 * it runs. A change while that job runs schedules one follow-up (id derived from the running
 * job), so the last change is never missed.
 */
@Injectable()
export class SeatQuantityJobs {
  private readonly logger = new Logger(SeatQuantityJobs.name);

  constructor(
    @InjectQueue(SEAT_QUANTITY_QUEUE) private readonly queue: Queue,
    private readonly ctx: TenantContext,
    private readonly producer: QueueProducer,
  ) {}

  /** The tenant in context changed its members. Never fails the caller: a lost sync is corrected by the next one. */
  async membersChanged(): Promise<void> {
    const tenantId = this.ctx.requireTenantId('scheduling a seat sync');
    try {
      await this.producer.run('scheduling a seat sync', () => this.schedule(tenantId));
    } catch (error) {
      this.logger.warn(`could not schedule the seat sync of tenant ${tenantId}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async schedule(tenantId: string): Promise<void> {
    let jobId = seatQuantityJobId(tenantId);
    const existing = await this.queue.getJob(jobId);
    if (existing) {
      const state = await existing.getState();
      if (state === 'active') jobId = `${jobId}-after-${existing.timestamp}`;
      else if (state === 'failed' || state === 'completed') await existing.remove();
    }
    await this.queue.add(
      'sync-seat-quantity',
      { tenantId },
      { jobId, delay: SEAT_QUANTITY_DELAY_MS, attempts: 8, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: true },
    );
  }
}
