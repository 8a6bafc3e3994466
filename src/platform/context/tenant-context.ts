import { Injectable } from '@nestjs/common';
import { ClsService, type ClsStore } from 'nestjs-cls';
import { randomUUID } from 'node:crypto';
import { AccessError } from '../security/access.errors.js';
import { isUuid } from '../util/uuid.js';

/** Who is acting, for whom. Filled per request by the auth guard, or explicitly by jobs and scripts. */
export type ActorType = 'user' | 'api_key' | 'platform_admin' | 'system';

export interface ContextState {
  tenantId?: string;
  userId?: string;
  /** Set for API-key principals; undefined for users. */
  apiKeyId?: string;
  /** The API key's own requests per minute, if it has one. */
  apiKeyRateLimit?: number;
  /** Who acts, for the audit log: a user, an API key, a platform admin, or the system (jobs). */
  actor?: ActorType;
  /** The surface the request came through: the authenticated API (default) or the public widget. */
  channel?: 'api' | 'widget';
  /** The user is a platform administrator (a flag on the user, not a tenant role). */
  isPlatformAdmin?: boolean;
  roles: readonly string[];
  permissions: readonly string[];
  requestId: string;
  /** The client's address and user agent, for the audit log (HTTP requests only). */
  ip?: string;
  userAgent?: string;
  /** Internal: the interactive transaction of the unit of work in progress, if any. */
  unitOfWork?: unknown;
}

interface TenantStore extends ClsStore {
  ctx?: ContextState;
}

export class TenantContextMissingError extends Error {
  readonly code = 'tenant_context_missing';
  constructor(what: string) {
    super(`No tenant in context: ${what} must run inside a tenant context (TenantContext.run or an authenticated request)`);
    this.name = 'TenantContextMissingError';
  }
}

/**
 * Prisma's promises are lazy: the query starts when someone calls `then`. Returned unawaited from
 * `run(ctx, () => db.client.x.find())`, it would start in the caller's context, not `ctx`. Start
 * any thenable here, inside the context, so that the context it sees is the one it was given.
 */
function startInside<T>(result: T): T {
  const thenable = result as { then?: unknown } | null;
  return (thenable !== null && typeof thenable === 'object' && typeof thenable.then === 'function'
    ? Promise.resolve(result)
    : result) as T;
}

/**
 * The one request-scoped holder of tenant id, user id, roles, permissions and request id, built on
 * AsyncLocalStorage (nestjs-cls) so that no provider is re-created per request. HTTP requests get a
 * store from the CLS middleware; jobs and scripts enter one explicitly with `run`.
 */
@Injectable()
export class TenantContext {
  constructor(private readonly cls: ClsService<TenantStore>) {}

  /** Runs `fn` in a fresh context. Everything it awaits sees this context, and nothing else does. */
  run<T>(state: Partial<ContextState> & { tenantId?: string }, fn: () => T): T {
    if (state.tenantId !== undefined && !isUuid(state.tenantId)) {
      throw new TypeError(`TenantContext.run: tenantId must be a uuid, got ${JSON.stringify(state.tenantId)}`);
    }
    const ctx: ContextState = {
      roles: [],
      permissions: [],
      requestId: this.current()?.requestId ?? randomUUID(),
      ...state,
      unitOfWork: undefined,
    };
    return this.cls.run({ ifNested: 'override' }, () => {
      this.cls.set('ctx', ctx);
      return startInside(fn());
    });
  }

  /** The state of the current context, or undefined outside any. */
  current(): ContextState | undefined {
    return this.cls.isActive() ? this.cls.get('ctx') : undefined;
  }

  /** Fills the request's context once its principal is known (the auth guard calls this). */
  enter(state: Partial<Omit<ContextState, 'unitOfWork'>>): void {
    if (!this.cls.isActive()) throw new Error('TenantContext.enter called outside a request context');
    if (state.tenantId !== undefined && !isUuid(state.tenantId)) throw new TypeError('tenantId must be a uuid');
    const current = this.cls.get('ctx');
    this.cls.set('ctx', { roles: [], permissions: [], requestId: randomUUID(), ...current, ...state, unitOfWork: undefined });
  }

  /** Runs `fn` in a child context whose operations join the unit of work `tx` (see TenantDb). */
  withUnitOfWork<T>(tx: unknown, fn: () => Promise<T>): Promise<T> {
    const parent = this.current();
    if (!parent) throw new Error('withUnitOfWork called outside a context');
    return this.cls.run({ ifNested: 'inherit' }, () => {
      this.cls.set('ctx', { ...parent, unitOfWork: tx });
      return startInside(fn());
    });
  }

  get tenantId(): string | undefined {
    return this.current()?.tenantId;
  }

  /** The tenant id, or TenantContextMissingError. */
  requireTenantId(what = 'this operation'): string {
    const id = this.current()?.tenantId;
    if (!id) throw new TenantContextMissingError(what);
    return id;
  }

  get userId(): string | undefined {
    return this.current()?.userId;
  }

  get requestId(): string | undefined {
    return this.current()?.requestId ?? (this.cls.isActive() ? this.cls.getId() : undefined);
  }

  hasPermission(permission: string): boolean {
    return this.current()?.permissions.includes(permission) ?? false;
  }

  /** Services start with this: the rule holds for HTTP, jobs, webhooks and admin tools alike. */
  requirePermission(permission: string): void {
    if (!this.hasPermission(permission)) throw AccessError.missingPermission(permission);
  }
}
