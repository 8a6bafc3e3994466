import { Injectable } from '@nestjs/common';
import { ClsService, type ClsStore } from 'nestjs-cls';
import { randomUUID } from 'node:crypto';
import type { EpochStamp } from '../cache/epoch-cache.js';
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
  /**
   * Set by `runWithoutTenant` only: this context names no tenant on purpose (user-level work such
   * as sessions and password resets, or anonymous work such as the credential lookup).
   */
  withoutTenant?: true;
  /**
   * The cache epochs this request read for its tenant and user (AccessEpochs.read): what lets it
   * use per-instance caches without another round trip. Unset: nothing cached may be trusted.
   */
  epochStamp?: EpochStamp;
  /** Internal: the interactive transaction of the unit of work in progress, if any. */
  unitOfWork?: unknown;
  /** Internal: what runs once that unit of work has committed (see `afterCommit`). */
  commitHooks?: Array<() => Promise<void>>;
}

/** What a context's database work is bound to (see TenantDb and TenantBoundPool). */
export type DataScope =
  | { kind: 'tenant'; tenantId: string; userId?: string }
  /** No tenant: the user's own rows (policies on app.user_id); every tenant policy matches nothing. */
  | { kind: 'user'; userId: string }
  /** Neither tenant nor user: no tenant- or user-owned row; only the SECURITY DEFINER lookups. */
  | { kind: 'anonymous' };

/** The state a tenant-less context may be given: anything but a tenant. */
export type TenantlessState = Partial<Omit<ContextState, 'tenantId' | 'withoutTenant' | 'unitOfWork'>>;

interface TenantStore extends ClsStore {
  ctx?: ContextState;
  request?: unknown;
}

/** The store's state, read and written directly: ClsService.get/set('ctx') split a path on every call. */
type Holder = { ctx?: ContextState; request?: unknown } | undefined;

export class TenantContextMissingError extends Error {
  readonly code = 'tenant_context_missing';
  constructor(what: string, options: { tenantlessAllowed?: boolean } = {}) {
    const alternative = options.tenantlessAllowed ? ', or for user-level work in TenantContext.runWithoutTenant' : '';
    super(`No tenant in context: ${what} must run inside a tenant context (TenantContext.run or an authenticated request)${alternative}`);
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
 * store from the request scope hook (request-scope.ts); jobs and scripts enter one explicitly with `run`.
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
      withoutTenant: undefined, // only runWithoutTenant sets it, never a copy of another context
      unitOfWork: undefined,
      commitHooks: undefined,
    };
    return this.runFresh(ctx, fn);
  }

  /**
   * Runs `fn` in a fresh context that deliberately names no tenant: as `state.userId` (user-level
   * work: their sessions, password resets, the list of their tenants), or anonymously without one
   * (the credential lookup). TenantDb opens units of work and runs raw SQL here, bound to the user
   * alone; every tenant policy matches nothing and tenant models are still refused. A plain `run`
   * without a tenant stays refused: forgetting the tenant is an error, choosing none is explicit.
   */
  runWithoutTenant<T>(state: TenantlessState, fn: () => T): T {
    if ((state as Partial<ContextState>).tenantId !== undefined) {
      throw new TypeError('TenantContext.runWithoutTenant: a tenantless context takes no tenantId');
    }
    if (state.userId !== undefined && !isUuid(state.userId)) {
      throw new TypeError(`TenantContext.runWithoutTenant: userId must be a uuid, got ${JSON.stringify(state.userId)}`);
    }
    const ctx: ContextState = {
      roles: [],
      permissions: [],
      requestId: this.current()?.requestId ?? randomUUID(),
      ...state,
      tenantId: undefined,
      withoutTenant: true,
      unitOfWork: undefined,
      commitHooks: undefined,
    };
    return this.runFresh(ctx, fn);
  }

  private runFresh<T>(ctx: ContextState, fn: () => T): T {
    // Fresh state; a request's log fields stay (lines logged inside still name the request).
    return this.cls.runWith({ ctx, request: (this.cls.get() as Holder)?.request }, () => startInside(fn()));
  }

  /** The state of the current context, or undefined outside any. */
  current(): ContextState | undefined {
    return (this.cls.get() as Holder)?.ctx;
  }

  /** Fills the request's context once its principal is known (the auth guard calls this). */
  enter(state: Partial<Omit<ContextState, 'unitOfWork' | 'withoutTenant'>>): void {
    const store = this.cls.get() as Holder;
    if (!store) throw new Error('TenantContext.enter called outside a request context');
    if (state.tenantId !== undefined && !isUuid(state.tenantId)) throw new TypeError('tenantId must be a uuid');
    const current = store.ctx;
    // Entering a tenant ends a tenantless context; anything else keeps what the context was.
    const withoutTenant = state.tenantId === undefined ? current?.withoutTenant : undefined;
    store.ctx = { roles: [], permissions: [], requestId: randomUUID(), ...current, ...state, withoutTenant, unitOfWork: undefined, commitHooks: undefined };
  }

  /**
   * Fills the request's context for a principal that chose no tenant (a platform session): like
   * `runWithoutTenant`, database work is bound to the user alone and tenant models are refused.
   */
  enterWithoutTenant(state: TenantlessState): void {
    const store = this.cls.get() as Holder;
    if (!store) throw new Error('TenantContext.enterWithoutTenant called outside a request context');
    if ((state as Partial<ContextState>).tenantId !== undefined) throw new TypeError('a tenantless context takes no tenantId');
    if (state.userId !== undefined && !isUuid(state.userId)) throw new TypeError('userId must be a uuid');
    store.ctx = { roles: [], permissions: [], requestId: randomUUID(), ...store.ctx, ...state, tenantId: undefined, withoutTenant: true, unitOfWork: undefined, commitHooks: undefined };
  }

  /**
   * Runs `fn` in a child context whose operations join the unit of work `tx` (see TenantDb);
   * `commitHooks` collects what `afterCommit` defers, for TenantDb to run once committed.
   */
  withUnitOfWork<T>(tx: unknown, fn: () => Promise<T>, commitHooks: Array<() => Promise<void>>): Promise<T> {
    const parent = this.current();
    if (!parent) throw new Error('withUnitOfWork called outside a context');
    // A copy of the parent's store: whatever else it holds (the request's log fields) stays visible.
    return this.cls.runWith({ ...this.cls.get(), ctx: { ...parent, unitOfWork: tx, commitHooks } }, () => startInside(fn()));
  }

  /**
   * Runs `hook` once the unit of work in progress has committed (never if it rolls back), or now
   * when there is none. For effects outside the database that must not precede the commit, such
   * as announcing a change to other instances' caches (AccessEpochs).
   */
  async afterCommit(hook: () => Promise<void>): Promise<void> {
    const hooks = this.current()?.commitHooks;
    if (hooks && this.current()?.unitOfWork) hooks.push(hook);
    else await hook();
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

  /**
   * What database work here is bound to: the tenant in context, or, in a runWithoutTenant context,
   * the user (or nobody). Anything else is TenantContextMissingError: a context that merely lacks a
   * tenant (a public route, a job that forgot to enter one) is a mistake, not a choice.
   */
  requireScope(what = 'this operation'): DataScope {
    const state = this.current();
    if (state?.tenantId) return { kind: 'tenant', tenantId: state.tenantId, userId: state.userId };
    if (state?.withoutTenant) return state.userId ? { kind: 'user', userId: state.userId } : { kind: 'anonymous' };
    throw new TenantContextMissingError(what, { tenantlessAllowed: true });
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
