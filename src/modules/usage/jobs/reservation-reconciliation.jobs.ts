import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QueueProducer } from '../../../platform/queue/queue-producer.js';

export const RESERVATION_RECONCILIATION_QUEUE = 'usage-reservation-reconciliation';

/** The sweep: finds the tenants with expired reservations and enqueues one reconciliation each. */
export const SWEEP_JOB = 'find-expired-reservations';
export const RECONCILE_JOB = 'reconcile-reservations';
/** One scheduler per deployment (every instance upserts the same id). */
export const SWEEP_SCHEDULER_ID = 'usage-reservation-sweep';
export const SWEEP_EVERY_MS = 60_000;

/** One reconciliation per tenant and sweep interval (BullMQ refuses ':' in custom ids). */
export const reconcileJobId = (tenantId: string, at: Date): string =>
  `reconcile-reservations-${tenantId}-${Math.floor(at.getTime() / SWEEP_EVERY_MS)}`;

/**
 * Schedules the reservation sweep every minute: a reservation is given back at most
 * USAGE_RESERVATION_TTL_MS + one minute after it was made, when its process died.
 */
@Injectable()
export class ReservationReconciliationJobs implements OnApplicationBootstrap {

  constructor(
    @InjectQueue(RESERVATION_RECONCILIATION_QUEUE) private readonly queue: Queue,
    private readonly producer: QueueProducer,
  ) {}

  onApplicationBootstrap(): void {
    this.producer.schedule(this.queue, SWEEP_SCHEDULER_ID, { every: SWEEP_EVERY_MS }, SWEEP_JOB);
  }

  async enqueue(tenantId: string, at: Date = new Date()): Promise<void> {
    await this.producer.run('enqueueing a reservation reconciliation', () =>
      this.queue.add(RECONCILE_JOB, { tenantId }, { jobId: reconcileJobId(tenantId, at), removeOnComplete: { age: 3600 } }),
    );
  }
}
