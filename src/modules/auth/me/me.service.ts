import { Injectable } from '@nestjs/common';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import type { Role } from '../../../platform/security/permissions.js';
import { AuthError, AuthErrorCode } from '../auth.errors.js';
import { type MyTenant, type UserView, UsersRepository } from '../users.repository.js';

export interface MeView {
  user: UserView;
  /** The tenant of the access token, with the caller's role there as of this request; null for a platform session. */
  tenant: Omit<MyTenant, 'role'> | null;
  role: Role | null;
  /** Every tenant the user belongs to (not deleted ones), oldest membership first. */
  tenants: MyTenant[];
}

@Injectable()
export class MeService {
  constructor(
    private readonly ctx: TenantContext,
    private readonly users: UsersRepository,
  ) {}

  /** The signed-in user, in the request's context (RLS: a user sees itself and its tenants). */
  async get(): Promise<MeView> {
    const state = this.ctx.current();
    if (!state?.userId || state.apiKeyId) throw AuthError.of(AuthErrorCode.SessionRequired);
    const { user, tenants } = await this.users.selfAndTenants(state.userId);
    if (!state.tenantId) {
      // A platform session (the guard let no other tenantless principal through): the user, no tenant.
      if (!user?.isPlatformAdmin) throw AuthError.of(AuthErrorCode.SessionRequired);
      return { user, tenant: null, role: null, tenants };
    }
    const active = tenants.find((t) => t.id === state.tenantId);
    // The guard resolved the membership a moment ago; if it vanished since, the caller is no member.
    if (!user || !active) throw AuthError.of(AuthErrorCode.NotAMember);
    const { role, ...tenant } = active;
    return { user, tenant, role, tenants };
  }
}
