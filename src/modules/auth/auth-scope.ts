import { Injectable } from '@nestjs/common';
import { type ContextState, TenantContext } from '../../platform/context/tenant-context.js';

/**
 * The contexts the auth flows run in. Public routes (login, refresh, reset) start with no principal;
 * each step enters exactly the actor it needs, keeping the request's id, IP and user agent for the
 * audit log, and never the permissions of the request (switch-tenant must not carry the old
 * tenant's permissions into the new one).
 */
@Injectable()
export class AuthScope {
  constructor(private readonly ctx: TenantContext) {}

  /** No user, no tenant: the credential lookup by email (a SECURITY DEFINER function). */
  anonymous<T>(fn: () => Promise<T>): Promise<T> {
    return this.ctx.runWithoutTenant(this.request(), fn);
  }

  /**
   * The user, in no tenant: their sessions, password resets and the list of their tenants
   * (user-owned tables, RLS on app.user_id); every tenant's rows stay out of reach.
   */
  asUser<T>(userId: string, fn: () => Promise<T>): Promise<T> {
    return this.ctx.runWithoutTenant({ ...this.request(), userId, actor: 'user' }, fn);
  }

  /** The user acting in one tenant (a new session there, its audit events). */
  inTenant<T>(tenantId: string, userId: string, fn: () => Promise<T>): Promise<T> {
    return this.ctx.run({ ...this.request(), tenantId, userId, actor: 'user' }, fn);
  }

  /** The system, in one tenant: events no signed-in user caused (a failed sign-in). */
  systemIn<T>(tenantId: string, fn: () => Promise<T>): Promise<T> {
    return this.ctx.run({ ...this.request(), tenantId, actor: 'system' }, fn);
  }

  /** The request's id, IP and user agent, and nothing else of the current context. */
  private request(): Pick<Partial<ContextState>, 'requestId' | 'ip' | 'userAgent'> {
    const current = this.ctx.current();
    const request = { requestId: current?.requestId, ip: current?.ip, userAgent: current?.userAgent };
    // Leave out what is unknown: an explicit undefined would override run()'s defaults.
    return Object.fromEntries(Object.entries(request).filter(([, v]) => v !== undefined));
  }
}
