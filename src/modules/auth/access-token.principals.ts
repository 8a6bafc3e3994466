import { Injectable } from '@nestjs/common';
import { TenantContext } from '../../platform/context/tenant-context.js';
import { isUuid } from '../../platform/util/uuid.js';
import { AccessError } from '../../platform/security/access.errors.js';
import type { AccessTokenClaims, PlatformAccessClaims, TenantAccessClaims } from '../../platform/security/access-token.js';
import { isRole, permissionsOf } from '../../platform/security/permissions.js';
import { AccessTokenPrincipals, type Principal } from '../../platform/security/principal.js';
import { PrincipalsRepository } from './principals.repository.js';

/**
 * The principal of an access token, read from the database on every request: the membership (and
 * so the role) in the token's tenant, the tenant's status, the user's platform flag and, for tokens
 * issued by sign-in, whether their session is still alive. A removed member, a signed-out or
 * revoked session is refused at once; a demoted admin acts with the new role at once. Roles are
 * never taken from the token. A platform session's token (`typ: platform`) holds only while the
 * user is still a platform admin: removing the flag ends it at the next request.
 */
@Injectable()
export class DbAccessTokenPrincipals extends AccessTokenPrincipals {
  constructor(
    private readonly principals: PrincipalsRepository,
    private readonly ctx: TenantContext,
  ) {
    super();
  }

  resolve(claims: AccessTokenClaims): Promise<Principal> {
    return claims.typ === 'platform' ? this.platformSession(claims) : this.tenantSession(claims);
  }

  private async tenantSession(claims: TenantAccessClaims): Promise<Principal> {
    if (!isUuid(claims.sid)) throw AccessError.unauthenticated('Invalid session');
    const row = await this.ctx.run({ tenantId: claims.tid, userId: claims.sub }, () =>
      this.principals.find(claims.tid, claims.sub, claims.sid),
    );
    if (!row || !isRole(row.role)) throw AccessError.unauthenticated('You are no longer a member of this tenant');
    if (!row.sessionLive) throw AccessError.unauthenticated('This session has ended: sign in again');
    return {
      tenantId: claims.tid,
      tenantStatus: row.tenantStatus,
      userId: claims.sub,
      isPlatformAdmin: row.isPlatformAdmin,
      roles: [row.role],
      permissions: permissionsOf([row.role]),
    };
  }

  /** No tenant, no role, no permission: the platform flag is all such a session carries. */
  private async platformSession(claims: PlatformAccessClaims): Promise<Principal> {
    const row = await this.ctx.runWithoutTenant({ userId: claims.sub }, () => this.principals.findPlatformSession(claims.sub, claims.sid));
    if (!row?.sessionLive) throw AccessError.unauthenticated('This session has ended: sign in again');
    if (!row.isPlatformAdmin) throw AccessError.platformAdminRequired();
    return { userId: claims.sub, isPlatformAdmin: true, roles: [], permissions: [] };
  }
}
