import { Injectable } from '@nestjs/common';
import type { AccessTokenClaims } from './access-token.js';
import { isRole, permissionsOf, type Role } from './permissions.js';

export interface Principal {
  tenantId: string;
  userId: string;
  roles: Role[];
  permissions: string[];
}

/**
 * Turns verified token claims into the principal of this request. The kernel's resolver trusts the
 * roles in the token; the identity module replaces it (same token) with one that reads the
 * membership and tenant status on every request, so a removed member loses access at once.
 */
@Injectable()
export class PrincipalResolver {
  async resolve(claims: AccessTokenClaims): Promise<Principal> {
    const roles = (claims.roles ?? []).filter(isRole);
    return { tenantId: claims.tid, userId: claims.sub, roles, permissions: permissionsOf(roles) };
  }
}
