import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { BUILD_EXPORT_QUEUE, ERASE_TENANT_QUEUE, TenantJobs } from './tenant-jobs.js';

/** The tenant module's queues; imported by TenantModule (processors) and TenantAdminModule. */
@Module({
  imports: [BullModule.registerQueue({ name: ERASE_TENANT_QUEUE }, { name: BUILD_EXPORT_QUEUE })],
  providers: [TenantJobs],
  exports: [TenantJobs, BullModule],
})
export class TenantJobsModule {}
