import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { EXPORT_PURGE_QUEUE } from './export-purge.jobs.js';
import { BUILD_EXPORT_QUEUE, ERASE_TENANT_QUEUE, TenantJobs } from './tenant-jobs.js';
import { registerQueues } from '../../../platform/queue/register-queues.js';

/** The tenant module's queues; imported by TenantModule (processors) and TenantAdminModule. */
@Module({
  imports: [registerQueues(ERASE_TENANT_QUEUE, BUILD_EXPORT_QUEUE, EXPORT_PURGE_QUEUE)],
  providers: [TenantJobs],
  exports: [TenantJobs, BullModule],
})
export class TenantJobsModule {}
