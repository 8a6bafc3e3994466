import { Module } from '@nestjs/common';
import { TenantAdminModule } from './admin/tenant-admin.module.js';
import { ExpiredExportsModule } from './expired-exports/expired-exports.module.js';
import { ExportArchiveWriter } from './exports/export-archive.js';
import { ExportRowsRepository } from './exports/export-rows.repository.js';
import { ExportLinks } from './exports/export-links.js';
import { TenantExportsController } from './exports/tenant-exports.controller.js';
import { TenantExportsRepository } from './exports/tenant-exports.repository.js';
import { TenantExportsService } from './exports/tenant-exports.service.js';
import { BuildExportJob } from './jobs/build-export.job.js';
import { EraseTenantJob } from './jobs/erase-tenant.job.js';
import { PurgeExpiredExportsJob } from './jobs/purge-expired-exports.job.js';
import { TenantJobsModule } from './jobs/tenant-jobs.module.js';
import { TenantLifecycleService } from './lifecycle/tenant-lifecycle.service.js';
import { TenantTablesRepository } from './lifecycle/tenant-tables.repository.js';
import { TenantController } from './tenant.controller.js';
import { TenantRepository } from './tenant.repository.js';
import { TenantService } from './tenant.service.js';
import { StorageModule } from '../../platform/storage/storage.module.js';

/**
 * The tenant: its profile and settings, its lifecycle (deletion, erasure), data exports (built by a
 * job, purged by an hourly sweep once expired), and platform administration.
 */
@Module({
  imports: [TenantJobsModule, TenantAdminModule, ExpiredExportsModule, StorageModule],
  controllers: [TenantController, TenantExportsController],
  providers: [
    TenantService,
    TenantRepository,
    TenantLifecycleService,
    TenantTablesRepository,
    TenantExportsService,
    TenantExportsRepository,
    ExportArchiveWriter,
    ExportRowsRepository,
    ExportLinks,
    EraseTenantJob,
    BuildExportJob,
    PurgeExpiredExportsJob,
  ],
  exports: [TenantService],
})
export class TenantModule {}
