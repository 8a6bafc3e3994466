import { Global, Module } from '@nestjs/common';
import { RlsSelfCheck } from './rls-self-check.js';
import { TenantDb } from './tenant-db.js';

/** Tenant-scoped database access, available everywhere. */
@Global()
@Module({
  providers: [TenantDb, RlsSelfCheck],
  exports: [TenantDb],
})
export class DbModule {}
