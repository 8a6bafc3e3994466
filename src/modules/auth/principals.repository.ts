import { Injectable } from '@nestjs/common';
import { TenantDb } from '../../platform/db/tenant-db.js';
import type { TenantStatusName } from '../../platform/security/principal.js';

export interface PrincipalRow {
  role: string;
  tenantStatus: TenantStatusName;
  isPlatformAdmin: boolean;
  /** The token's session family is not revoked. */
  sessionLive: boolean;
}

export interface PlatformPrincipalRow {
  isPlatformAdmin: boolean;
  /** The session family is not revoked, and is a platform session (no active tenant). */
  sessionLive: boolean;
}

/** What the guard needs to know about an access token's user, on every request. */
@Injectable()
export class PrincipalsRepository {
  constructor(private readonly db: TenantDb) {}

  /**
   * Membership, tenant status, platform flag and session state in ONE statement (the guard runs it
   * on every request). Runs as the token's tenant and user: memberships' RLS limits it to that
   * tenant, refresh_tokens' to that user.
   */
  async find(tenantId: string, userId: string, sessionId: string): Promise<PrincipalRow | undefined> {
    const rows = await this.db.sql<PrincipalRow>`
      select m.role,
             t.status::text as "tenantStatus",
             u.is_platform_admin as "isPlatformAdmin",
             exists (
               select 1 from refresh_tokens r
                where r.user_id = m.user_id and r.family_id = ${sessionId}::uuid and r.revoked_at is null
             ) as "sessionLive"
        from memberships m
        join tenants t on t.id = m.tenant_id
        join users u on u.id = m.user_id
       where m.tenant_id = ${tenantId}::uuid and m.user_id = ${userId}::uuid`;
    return rows[0];
  }

  /**
   * A platform session's user: the platform flag and whether the session (a family with no active
   * tenant) is alive, in ONE statement. Runs as the user in no tenant: users' and refresh_tokens'
   * RLS show that user's rows only.
   */
  async findPlatformSession(userId: string, sessionId: string): Promise<PlatformPrincipalRow | undefined> {
    const rows = await this.db.sql<PlatformPrincipalRow>`
      select u.is_platform_admin as "isPlatformAdmin",
             exists (
               select 1 from refresh_tokens r
                where r.user_id = u.id and r.family_id = ${sessionId}::uuid
                  and r.active_tenant_id is null and r.revoked_at is null
             ) as "sessionLive"
        from users u
       where u.id = ${userId}::uuid`;
    return rows[0];
  }
}
