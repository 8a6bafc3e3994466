import { Module } from '@nestjs/common';
import { PlatformDbModule } from '../../../platform/db/platform-db.module.js';
import { UsageModule } from '../../usage/usage.module.js';
import { TenantJobsModule } from '../jobs/tenant-jobs.module.js';
import { PlatformAnalyticsController } from './platform-analytics.controller.js';
import { PlatformAnalyticsRepository } from './platform-analytics.repository.js';
import { PlatformAnalyticsService } from './platform-analytics.service.js';
import { TenantAdminController } from './tenant-admin.controller.js';
import { TenantAdminRepository } from './tenant-admin.repository.js';
import { TenantAdminService } from './tenant-admin.service.js';
import { TenantErasureRepository } from './tenant-erasure.repository.js';

/**
 * Platform administration of tenants and cross-tenant analytics: the only part of the tenant
 * module that uses the platform role (PlatformDb). It also provides the erasure's last step, which
 * the tenant role is not allowed to take.
 */
@Module({
  imports: [PlatformDbModule, TenantJobsModule, UsageModule],
  controllers: [TenantAdminController, PlatformAnalyticsController],
  providers: [TenantAdminService, TenantAdminRepository, PlatformAnalyticsService, PlatformAnalyticsRepository, TenantErasureRepository],
  exports: [TenantErasureRepository],
})
export class TenantAdminModule {}
