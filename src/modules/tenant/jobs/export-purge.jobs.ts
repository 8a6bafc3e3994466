import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QueueProducer } from '../../../platform/queue/queue-producer.js';

export const EXPORT_PURGE_QUEUE = 'tenant-export-purge';

/** The sweep: finds the tenants with expired exports and enqueues one purge each. */
export const EXPORT_PURGE_SWEEP_JOB = 'find-expired-exports';
export const PURGE_EXPORTS_JOB = 'purge-expired-exports';
/** One scheduler per deployment (every instance upserts the same id). */
export const EXPORT_PURGE_SCHEDULER_ID = 'tenant-export-purge-sweep';
/** Hourly: exports are kept days, and an expired one can no longer be downloaded anyway. */
export const EXPORT_PURGE_EVERY_MS = 3_600_000;

/** One purge per tenant and sweep interval (BullMQ refuses ':' in custom ids). */
export const purgeExportsJobId = (tenantId: string, at: Date): string =>
  `purge-exports-${tenantId}-${Math.floor(at.getTime() / EXPORT_PURGE_EVERY_MS)}`;

/** Schedules the export purge every hour: an archive is deleted at most an hour after it expired. */
@Injectable()
export class ExportPurgeJobs implements OnApplicationBootstrap {
  constructor(
    @InjectQueue(EXPORT_PURGE_QUEUE) private readonly queue: Queue,
    private readonly producer: QueueProducer,
  ) {}

  onApplicationBootstrap(): void {
    this.producer.schedule(this.queue, EXPORT_PURGE_SCHEDULER_ID, { every: EXPORT_PURGE_EVERY_MS }, EXPORT_PURGE_SWEEP_JOB);
  }

  async enqueue(tenantId: string, at: Date = new Date()): Promise<void> {
    await this.producer.run('enqueueing an export purge', () =>
      this.queue.add(PURGE_EXPORTS_JOB, { tenantId }, { jobId: purgeExportsJobId(tenantId, at), removeOnComplete: { age: 3600 } }),
    );
  }
}
