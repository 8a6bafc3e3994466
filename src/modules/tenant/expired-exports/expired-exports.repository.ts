import { Injectable } from '@nestjs/common';
import { PlatformDb } from '../../../platform/db/platform-db.js';

/** Tenants handed to the purge per sweep at most; the rest wait for the next sweep. */
export const TENANTS_PER_SWEEP = 5000;

/**
 * The export purge's one cross-tenant read: which tenants have exports past their expiry. Read
 * only, through the platform role; the deletes run per tenant, under RLS
 * (TenantExportsService.purgeExpired).
 */
@Injectable()
export class ExpiredExports {
  constructor(private readonly platform: PlatformDb) {}

  async tenantsWithExpiredExports(now: Date, limit = TENANTS_PER_SWEEP): Promise<string[]> {
    // A scan of the partial index tenant_exports_expiry.
    const rows = await this.platform.client.$queryRaw<Array<{ tenant_id: string }>>`
      select distinct tenant_id from tenant_exports
      where expires_at < ${now.toISOString()}::timestamptz
      limit ${limit}`;
    return rows.map((r) => r.tenant_id);
  }
}
