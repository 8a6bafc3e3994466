import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QueueProducer } from '../../../platform/queue/queue-producer.js';

export const ERASE_TENANT_QUEUE = 'tenant-erasure';
export const BUILD_EXPORT_QUEUE = 'tenant-exports';

/**
 * Deterministic job ids: at most one erasure per tenant and one build per export, however often
 * they are requested. (BullMQ refuses ':' in custom ids, hence '-'.)
 */
export const eraseTenantJobId = (tenantId: string): string => `erase-tenant-${tenantId}`;
export const buildExportJobId = (tenantId: string, exportId: string): string => `export-${tenantId}-${exportId}`;

/** The tenant module's queues, for the services that schedule work on them. */
@Injectable()
export class TenantJobs {
  constructor(
    @InjectQueue(ERASE_TENANT_QUEUE) private readonly erasures: Queue,
    @InjectQueue(BUILD_EXPORT_QUEUE) private readonly exports: Queue,
    private readonly producer: QueueProducer,
  ) {}

  /**
   * Schedules the tenant's erasure at `at` (replacing a scheduled one). A job that already ran or
   * failed under the same id is removed first, or BullMQ would silently ignore the new one; a job
   * running right now is left alone. Redis unreachable: 503 queue_unavailable (QueueProducer), and
   * the caller's transaction rolls back.
   */
  scheduleErasure(tenantId: string, at: Date): Promise<void> {
    const jobId = eraseTenantJobId(tenantId);
    return this.producer.run('scheduling the tenant erasure', async () => {
      const existing = await this.erasures.getJob(jobId);
      if (existing && !(await existing.isActive())) await existing.remove();
      await this.erasures.add('erase-tenant', { tenantId }, { jobId, delay: Math.max(0, at.getTime() - Date.now()), removeOnComplete: true });
    });
  }

  /** Removes the scheduled erasure; false when a run is in progress (it re-checks the tenant and stops). */
  async cancelErasure(tenantId: string): Promise<boolean> {
    return (await this.producer.run('cancelling the tenant erasure', () => this.erasures.remove(eraseTenantJobId(tenantId)))) === 1;
  }

  async enqueueExport(tenantId: string, exportId: string): Promise<void> {
    await this.producer.run('enqueueing the export', () =>
      this.exports.add('build-export', { tenantId, exportId }, { jobId: buildExportJobId(tenantId, exportId), attempts: 3 }),
    );
  }
}
