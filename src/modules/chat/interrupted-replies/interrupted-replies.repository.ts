import { Injectable } from '@nestjs/common';
import { PlatformDb } from '../../../platform/db/platform-db.js';

/** Tenants handed to the per-tenant jobs per sweep at most; the rest wait for the next sweep. */
export const TENANTS_PER_SWEEP = 5000;

/**
 * The interrupted-replies sweep's one cross-tenant read: which tenants have assistant replies
 * still pending that began before `begunBefore`. Read only, through the platform role; the replies
 * are failed per tenant, under RLS (InterruptedRepliesService).
 */
@Injectable()
export class InterruptedReplies {
  constructor(private readonly platform: PlatformDb) {}

  async tenantsWithInterruptedReplies(begunBefore: Date, limit = TENANTS_PER_SWEEP): Promise<string[]> {
    // A scan of the partial index messages_pending: only replies in flight (or interrupted) are in it.
    const rows = await this.platform.client.$queryRaw<Array<{ tenant_id: string }>>`
      select distinct tenant_id from messages
      where status = 'pending' and role = 'assistant' and created_at < ${begunBefore.toISOString()}::timestamptz
      limit ${limit}`;
    return rows.map((r) => r.tenant_id);
  }
}
