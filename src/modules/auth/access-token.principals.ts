import { Injectable } from '@nestjs/common';
import { TenantContext } from '../../platform/context/tenant-context.js';
import { TenantDb } from '../../platform/db/tenant-db.js';
import { AccessError } from '../../platform/security/access.errors.js';
import type { AccessTokenClaims } from '../../platform/security/access-token.js';
import { isRole, permissionsOf } from '../../platform/security/permissions.js';
import { AccessTokenPrincipals, type Principal } from '../../platform/security/principal.js';

/**
 * The principal of an access token, read from the database on every request: the membership (and
 * so the role) in the token's tenant, the tenant's status and the user's platform flag. A token of a
 * removed member is refused at once; a demoted admin acts with the new role at once.
 */
@Injectable()
export class DbAccessTokenPrincipals extends AccessTokenPrincipals {
  constructor(
    private readonly db: TenantDb,
    private readonly ctx: TenantContext,
  ) {
    super();
  }

  async resolve(claims: AccessTokenClaims): Promise<Principal> {
    const membership = await this.ctx.run({ tenantId: claims.tid, userId: claims.sub }, () =>
      this.db.client.membership.findFirst({
        where: { tenantId: claims.tid, userId: claims.sub },
        select: { role: true, tenant: { select: { status: true } }, user: { select: { isPlatformAdmin: true } } },
      }),
    );
    if (!membership || !isRole(membership.role)) throw AccessError.unauthenticated('You are no longer a member of this tenant');
    return {
      tenantId: claims.tid,
      tenantStatus: membership.tenant.status,
      userId: claims.sub,
      isPlatformAdmin: membership.user.isPlatformAdmin,
      roles: [membership.role],
      permissions: permissionsOf([membership.role]),
    };
  }
}
