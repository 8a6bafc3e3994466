import { InjectQueue, Processor } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { QueueProducer } from '../../../platform/queue/queue-producer.js';
import { TenantSweepProcessor } from '../../../platform/queue/tenant-sweep.js';
import { ExpiredExports } from '../expired-exports/expired-exports.repository.js';
import { TenantExportsService } from '../exports/tenant-exports.service.js';
import { EXPORT_PURGE_QUEUE, EXPORT_PURGE_SWEEP } from './export-purge.jobs.js';

/**
 * Deletes expired exports and their archives (job id: purge-exports-<tenantId>-<hour>), in the
 * tenant's context, under RLS; the sweep (hourly) enqueues one per tenant that has some, found
 * through the platform role (ExpiredExports, read only). Both are idempotent: a deleted export is gone.
 */
@Processor(EXPORT_PURGE_QUEUE)
export class PurgeExpiredExportsJob extends TenantSweepProcessor<{ deleted: number; bytes: number }> {
  protected readonly schedule = EXPORT_PURGE_SWEEP;

  constructor(
    @InjectQueue(EXPORT_PURGE_QUEUE) queue: Queue,
    producer: QueueProducer,
    ctx: TenantContext,
    private readonly exports: TenantExportsService,
    private readonly expired: ExpiredExports,
  ) {
    super(queue, producer, ctx);
  }

  protected tenantsWithWork(now: Date): Promise<string[]> {
    return this.expired.tenantsWithExpiredExports(now);
  }

  protected work(): Promise<{ deleted: number; bytes: number }> {
    return this.exports.purgeExpired();
  }
}
