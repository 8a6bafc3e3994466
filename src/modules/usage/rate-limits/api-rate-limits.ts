import { createHash } from 'node:crypto';
import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ThrottlerModuleOptions, ThrottlerOptions } from '@nestjs/throttler';
import { AccessEpochs } from '../../../platform/cache/access-epochs.js';
import { AppConfig } from '../../../platform/config/config.js';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { throttleRecordOf } from '../../../platform/rate-limit/sliding-window-throttler-storage.js';
import { EdgeAdmission } from '../../../platform/security/edge-admission.js';
import { routeMarked, SIGN_IN_RATE_LIMITED, WIDGET_RATE_LIMITED } from '../../../platform/rate-limit/decorators.js';
import type { SlidingWindowThrottlerStorage } from '../../../platform/rate-limit/sliding-window-throttler-storage.js';
import { accessOfRoute } from '../../../platform/security/decorators.js';
import { metrics } from '../../../platform/observability/metrics.js';
import { PlansService } from '../../billing/plans/plans.service.js';
import { FREE_PLAN } from '../../billing/sync/subscription-state.js';
import { rateLimitRefusal } from './api-throttler.guard.js';

/** Every limit here counts requests per minute. */
export const RATE_WINDOW_MS = 60_000;
/** A plan change reaches the limiter within this long (the limit is read from the plan, cached per tenant). */
const LIMIT_CACHE_MS = 30_000;
/** Past this many cached tenants, expired entries are dropped before adding one. */
const MAX_CACHED_TENANTS = 10_000;

/**
 * The @nestjs/throttler throttlers of the HTTP API (docs/adr/0009-rate-limits.md), counted in
 * Redis so that every instance shares them, each a sliding window of one minute (at most `limit`
 * requests in any 60 s; SlidingWindowThrottlerStorage, no penalty box):
 * - `api-key`: per API key, the key's own rate when it has one (rateLimitPerMinute, set at
 *   creation), else the plan's. Checked first: a request refused here does not use up the
 *   tenant's allowance, so one runaway key cannot starve the tenant's other keys and users;
 * - `tenant`: every authenticated request of a tenant, limited to its plan's api_per_minute
 *   (limit_overrides included), whichever key or user makes it;
 * - `signin-ip`, `signin-account`: public sign-in routes (@SignInRateLimited) per client IP and
 *   per email named in the body (hashed: Redis holds no addresses);
 * - `widget-ip`: the public widget API (@WidgetRateLimited) per client IP, on top of each
 *   tenant's chat_per_10s.
 * Keys are one per tenant, key, IP or account (not per route) under the deployment's prefix.
 */
@Injectable()
export class ApiRateLimits {
  private readonly limits = new Map<string, { limit: number; until: number }>();

  constructor(
    private readonly ctx: TenantContext,
    private readonly plans: PlansService,
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
    epochs: AccessEpochs,
    edge: EdgeAdmission,
  ) {
    // The `tenant` throttler, counted at the edge when the tenant's limit is in memory (one Redis
    // round trip with the cache epochs; docs/adr/0018): the same key, window and refusal.
    edge.useTenantLimit({
      name: 'tenant',
      windowMs: RATE_WINDOW_MS,
      cachedLimit: (tenantId) => {
        const cached = this.limits.get(tenantId);
        return cached && cached.until > Date.now() ? cached.limit : undefined;
      },
      key: (tenantId) => this.keyOf('tenant', tenantId),
      refusal: (decision) => rateLimitRefusal('tenant', decision.limit, throttleRecordOf(decision)),
    });
    // A plan change announced by any instance drops the tenant's limit here at once (pub/sub).
    epochs.register({ drop: (scope) => (scope === 'all' ? this.limits.clear() : scope.tenantId && this.limits.delete(scope.tenantId)) });
  }

  options(storage: SlidingWindowThrottlerStorage): ThrottlerModuleOptions {
    const env = this.config.env;
    const authenticated = (context: ExecutionContext) => !this.isPublic(context) && this.ctx.current()?.tenantId !== undefined;
    // In this order (the guard counts them in turn and stops at the first refusal).
    const throttlers: ThrottlerOptions[] = [
      {
        name: 'api-key',
        ttl: RATE_WINDOW_MS,
        limit: async () => Math.min(await this.planLimit(), this.ctx.current()?.apiKeyRateLimit ?? Infinity),
        skipIf: (context) => !authenticated(context) || !this.ctx.current()?.apiKeyId,
        getTracker: () => this.ctx.current()!.apiKeyId!,
      },
      {
        name: 'tenant',
        ttl: RATE_WINDOW_MS,
        limit: () => this.planLimit(),
        skipIf: (context) => !authenticated(context),
        getTracker: () => this.ctx.current()!.tenantId!,
      },
      {
        name: 'signin-ip',
        ttl: RATE_WINDOW_MS,
        limit: env.SIGNIN_RATE_PER_IP,
        skipIf: (context) => !this.isSignIn(context),
        getTracker: (req: { ip?: string }) => req.ip ?? 'unknown',
      },
      {
        name: 'signin-account',
        ttl: RATE_WINDOW_MS,
        limit: env.SIGNIN_RATE_PER_ACCOUNT,
        skipIf: (context) => !this.isSignIn(context) || emailOf(context) === undefined,
        getTracker: (_req, context) => createHash('sha256').update(emailOf(context)!).digest('hex').slice(0, 32),
      },
      {
        name: 'widget-ip',
        ttl: RATE_WINDOW_MS,
        limit: env.WIDGET_RATE_PER_IP,
        skipIf: (context) => !this.marked(context, WIDGET_RATE_LIMITED),
        getTracker: (req: { ip?: string }) => req.ip ?? 'unknown',
      },
    ];
    return {
      storage,
      throttlers,
      generateKey: (_context, tracker, name) => this.keyOf(name, tracker),
    };
  }

  private keyOf(throttler: string, tracker: string): string {
    return throttleKeyOf(this.config, throttler, tracker);
  }

  /** api_per_minute of the tenant in context, from its plan and overrides. */
  private async planLimit(): Promise<number> {
    const tenantId = this.ctx.requireTenantId('rate limiting');
    const cached = this.limits.get(tenantId);
    if (cached && cached.until > Date.now()) return cached.limit;
    const limits = await this.plans.effectiveLimits(tenantId);
    const limit = limits.api_per_minute;
    // The one place that reads every tenant's plan on its requests, cached: paid plans get a
    // `tenant` label in the HTTP metrics from here (no lookup of their own, docs/adr/0019).
    if (limits.plan !== FREE_PLAN) metrics.tenants.admitPaid(tenantId);
    if (this.limits.size >= MAX_CACHED_TENANTS) {
      const now = Date.now();
      for (const [id, entry] of this.limits) if (entry.until <= now) this.limits.delete(id);
    }
    this.limits.set(tenantId, { limit, until: Date.now() + LIMIT_CACHE_MS });
    return limit;
  }

  private isPublic(context: ExecutionContext): boolean {
    return accessOfRoute(this.reflector, context).isPublic;
  }

  private isSignIn(context: ExecutionContext): boolean {
    return this.marked(context, SIGN_IN_RATE_LIMITED);
  }

  private marked(context: ExecutionContext, key: typeof SIGN_IN_RATE_LIMITED | typeof WIDGET_RATE_LIMITED): boolean {
    return routeMarked(this.reflector, context, key);
  }
}

/** The Redis key of throttler `name`'s window for `tracker` (an edge that counts it names the same). */
export function throttleKeyOf(config: AppConfig, name: string, tracker: string): string {
  return `${config.env.QUEUE_PREFIX}:throttle:${name}:${tracker}`;
}

/** The email a sign-in request names (login, signup, password reset), normalized; undefined if none. */
function emailOf(context: ExecutionContext): string | undefined {
  const body = context.switchToHttp().getRequest<{ body?: unknown }>().body;
  const email = body !== null && typeof body === 'object' ? (body as { email?: unknown }).email : undefined;
  return typeof email === 'string' && email.trim() !== '' ? email.trim().toLowerCase() : undefined;
}
