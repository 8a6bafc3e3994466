import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { runTenantJob } from '../../../platform/queue/tenant-job.js';
import { buildExportPayload } from '../exports/dto/tenant-exports.dto.js';
import { TenantExportsService } from '../exports/tenant-exports.service.js';
import { BUILD_EXPORT_QUEUE } from './tenant-jobs.js';

/** Builds an export archive (job id: export-<tenantId>-<exportId>). */
@Processor(BUILD_EXPORT_QUEUE)
export class BuildExportJob extends WorkerHost {
  constructor(
    private readonly ctx: TenantContext,
    private readonly exports: TenantExportsService,
  ) {
    super();
  }

  process(job: Job): Promise<'built' | 'skipped'> {
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    return runTenantJob(this.ctx, buildExportPayload, job, (payload) => this.exports.build(payload.exportId, { lastAttempt }));
  }
}
