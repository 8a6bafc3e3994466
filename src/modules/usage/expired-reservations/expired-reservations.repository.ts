import { Injectable } from '@nestjs/common';
import { PlatformDb } from '../../../platform/db/platform-db.js';

/** Tenants handed to the reconciliation per sweep at most; the rest wait for the next sweep. */
export const TENANTS_PER_SWEEP = 5000;

/**
 * The reconciliation's one cross-tenant read: which tenants have usage reservations to reconcile
 * (held past their expiry, or released long enough ago to forget). Read only, through the
 * platform role; the releases themselves run per tenant, under RLS (UsageService.reconcileExpired).
 */
@Injectable()
export class ExpiredReservations {
  constructor(private readonly platform: PlatformDb) {}

  async tenantsToReconcile(now: Date, forgetBefore: Date, limit = TENANTS_PER_SWEEP): Promise<string[]> {
    // Each branch is a scan of its own partial index (usage_reservations_held_expiry, _released).
    const rows = await this.platform.client.$queryRaw<Array<{ tenant_id: string }>>`
      select tenant_id from usage_reservations where released_at is null and expires_at < ${now.toISOString()}::timestamptz
      union
      select tenant_id from usage_reservations where released_at < ${forgetBefore.toISOString()}::timestamptz
      limit ${limit}`;
    return rows.map((r) => r.tenant_id);
  }
}
