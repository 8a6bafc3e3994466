import { Injectable } from '@nestjs/common';
import { ACCESS_CACHE_TTL_MS, AccessEpochs } from '../../platform/cache/access-epochs.js';
import { EpochCache, type EpochStamp } from '../../platform/cache/epoch-cache.js';
import { TenantContext } from '../../platform/context/tenant-context.js';
import { isUuid } from '../../platform/util/uuid.js';
import { AccessError } from '../../platform/security/access.errors.js';
import type { AccessTokenClaims, PlatformAccessClaims, TenantAccessClaims } from '../../platform/security/access-token.js';
import { type RouteAccess, routeAdmitsUser } from '../../platform/security/decorators.js';
import { isRole, permissionsOf, ROLE_PERMISSIONS } from '../../platform/security/permissions.js';
import { AccessTokenPrincipals, type Principal } from '../../platform/security/principal.js';
import { type PlatformPrincipalRow, type PrincipalRow, PrincipalsRepository } from './principals.repository.js';

/**
 * The principal of an access token: the membership (and so the role) in the token's tenant, the
 * tenant's status, the user's platform flag and, for tokens issued by sign-in, whether their
 * session is still alive. Read from the database, and kept in memory under the tenant's and the
 * user's epochs (AccessEpochs): every change to those (a member removed or demoted, a tenant
 * suspended, a session revoked) announces itself after commit, and the next request, on any
 * instance, reads the new epochs and misses the old entry. So a removed member, a signed-out or
 * revoked session is refused at once; a demoted admin acts with the new role at once. Roles are
 * never taken from the token. A platform session's token (`typ: platform`) holds only while the
 * user is still a platform admin: removing the flag ends it at the next request. Refusals are
 * cached too (as a missing row), so a token that no longer holds costs no SQL either.
 */
@Injectable()
export class DbAccessTokenPrincipals extends AccessTokenPrincipals {
  private readonly tenantRows: EpochCache<PrincipalRow | null>;
  private readonly platformRows: EpochCache<PlatformPrincipalRow | null>;

  constructor(
    private readonly principals: PrincipalsRepository,
    private readonly ctx: TenantContext,
    private readonly epochs: AccessEpochs,
  ) {
    super();
    this.tenantRows = epochs.register(new EpochCache<PrincipalRow | null>(ACCESS_CACHE_TTL_MS));
    this.platformRows = epochs.register(new EpochCache<PlatformPrincipalRow | null>(ACCESS_CACHE_TTL_MS));
  }

  resolve(claims: AccessTokenClaims, stamp?: EpochStamp): Promise<Principal> {
    return claims.typ === 'platform' ? this.platformSession(claims) : this.tenantSession(claims, stamp);
  }

  admittedStamp(claims: AccessTokenClaims, access: RouteAccess): EpochStamp | undefined {
    if (claims.typ === 'platform') return undefined;
    const cached = this.tenantRows.peek(`${claims.tid}:${claims.sub}:${claims.sid}`);
    const row = cached?.value;
    if (!row || !isRole(row.role) || !row.sessionLive || row.tenantStatus !== 'active') return undefined;
    return routeAdmitsUser(access, { isPlatformAdmin: row.isPlatformAdmin, permissions: ROLE_PERMISSIONS[row.role] }) ? cached.stamp : undefined;
  }

  private async tenantSession(claims: TenantAccessClaims, known: EpochStamp | undefined): Promise<Principal> {
    if (!isUuid(claims.sid)) throw AccessError.unauthenticated('Invalid session');
    const scope = { tenantId: claims.tid, userId: claims.sub };
    const key = `${claims.tid}:${claims.sub}:${claims.sid}`;
    const stamp = known ?? (await this.epochs.read(scope));
    let row = stamp && this.tenantRows.get(key, stamp);
    if (row === undefined) {
      row = (await this.ctx.run(scope, () => this.principals.find(claims.tid, claims.sub, claims.sid))) ?? null;
      if (stamp) this.tenantRows.set(key, row, scope, stamp);
    }
    if (!row || !isRole(row.role)) throw AccessError.unauthenticated('You are no longer a member of this tenant');
    if (!row.sessionLive) throw AccessError.unauthenticated('This session has ended: sign in again');
    return {
      tenantId: claims.tid,
      tenantStatus: row.tenantStatus,
      userId: claims.sub,
      isPlatformAdmin: row.isPlatformAdmin,
      epochStamp: stamp,
      roles: [row.role],
      permissions: permissionsOf([row.role]),
    };
  }

  /** No tenant, no role, no permission: the platform flag is all such a session carries. */
  private async platformSession(claims: PlatformAccessClaims): Promise<Principal> {
    const scope = { userId: claims.sub };
    const key = `${claims.sub}:${claims.sid}`;
    const stamp = await this.epochs.read(scope);
    let row = stamp && this.platformRows.get(key, stamp);
    if (row === undefined) {
      row = (await this.ctx.runWithoutTenant(scope, () => this.principals.findPlatformSession(claims.sub, claims.sid))) ?? null;
      if (stamp) this.platformRows.set(key, row, scope, stamp);
    }
    if (!row?.sessionLive) throw AccessError.unauthenticated('This session has ended: sign in again');
    if (!row.isPlatformAdmin) throw AccessError.platformAdminRequired();
    return { userId: claims.sub, isPlatformAdmin: true, roles: [], permissions: [] };
  }
}
