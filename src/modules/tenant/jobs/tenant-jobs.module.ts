import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { BUILD_EXPORT_QUEUE, ERASE_TENANT_QUEUE, TenantJobs } from './tenant-jobs.js';
import { registerQueues } from '../../../platform/queue/register-queues.js';

/** The tenant module's queues; imported by TenantModule (processors) and TenantAdminModule. */
@Module({
  imports: [registerQueues(ERASE_TENANT_QUEUE, BUILD_EXPORT_QUEUE)],
  providers: [TenantJobs],
  exports: [TenantJobs, BullModule],
})
export class TenantJobsModule {}
