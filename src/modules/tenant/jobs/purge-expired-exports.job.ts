import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { runTenantJob, tenantJobPayload } from '../../../platform/queue/tenant-job.js';
import { ExpiredExports } from '../expired-exports/expired-exports.repository.js';
import { TenantExportsService } from '../exports/tenant-exports.service.js';
import { EXPORT_PURGE_QUEUE, EXPORT_PURGE_SWEEP_JOB, ExportPurgeJobs } from './export-purge.jobs.js';

/**
 * Deletes expired exports and their archives (job id: purge-exports-<tenantId>-<hour>), in the
 * tenant's context, under RLS; the sweep (hourly) enqueues one per tenant that has some, found
 * through the platform role (ExpiredExports, read only). Both are idempotent: a deleted export is gone.
 */
@Processor(EXPORT_PURGE_QUEUE)
export class PurgeExpiredExportsJob extends WorkerHost {
  private readonly logger = new Logger('ExportPurge');

  constructor(
    private readonly ctx: TenantContext,
    private readonly exports: TenantExportsService,
    private readonly jobs: ExportPurgeJobs,
    private readonly expired: ExpiredExports,
  ) {
    super();
  }

  async process(job: Job): Promise<{ deleted: number; bytes: number } | { enqueued: number }> {
    if (job.name === EXPORT_PURGE_SWEEP_JOB) {
      const now = new Date();
      const tenants = await this.expired.tenantsWithExpiredExports(now);
      for (const tenantId of tenants) await this.jobs.enqueue(tenantId, now);
      if (tenants.length > 0) this.logger.log({ tenants: tenants.length }, 'tenants with expired exports');
      return { enqueued: tenants.length };
    }
    return runTenantJob(this.ctx, tenantJobPayload, job, () => this.exports.purgeExpired());
  }
}
