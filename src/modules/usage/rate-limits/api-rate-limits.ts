import { Injectable } from '@nestjs/common';
import { PlansService } from '../../billing/plans/plans.service.js';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { RateLimiter, type RateLimitDecision } from '../../../platform/rate-limit/rate-limiter.js';
import { UsageError } from '../usage.errors.js';

const WINDOW_SECONDS = 60;
/** A plan change reaches the limiter within this long (the limit is read from the plan, cached per tenant). */
const LIMIT_CACHE_MS = 30_000;

export interface ApiRateDecision {
  headers: Record<string, string>;
}

/**
 * API requests per minute from the tenant's plan (api_per_minute), counted in Redis so every
 * instance shares them: one window per tenant, and one per API key (a key cannot use more than
 * its tenant's rate either, and one busy key is visible on its own). Redis down: the limiter
 * fails open within its bounded delay and logs it (docs/adr/0009-rate-limits.md).
 */
@Injectable()
export class ApiRateLimits {
  private readonly limits = new Map<string, { limit: number; until: number }>();

  constructor(
    private readonly ctx: TenantContext,
    private readonly limiter: RateLimiter,
    private readonly plans: PlansService,
  ) {}

  /** Counts one request of the tenant in context; refuses with 429 rate_limited when over. */
  async consume(): Promise<ApiRateDecision> {
    const state = this.ctx.current();
    const tenantId = state?.tenantId;
    if (!tenantId) return { headers: {} };
    const limit = await this.limitOf(tenantId);
    const decisions = [await this.limiter.consume(`api:tenant:${tenantId}`, limit, WINDOW_SECONDS)];
    if (state.apiKeyId && decisions[0]!.allowed) decisions.push(await this.limiter.consume(`api:key:${state.apiKeyId}`, limit, WINDOW_SECONDS));
    // The tightest window speaks for the request.
    const decision = decisions.reduce((a, b) => (!b.allowed || b.remaining < a.remaining ? b : a));
    const headers = rateLimitHeaders(decision);
    if (!decision.allowed) throw UsageError.rateLimited(limit, decision.resetSeconds, headers);
    return { headers };
  }

  private async limitOf(tenantId: string): Promise<number> {
    const cached = this.limits.get(tenantId);
    if (cached && cached.until > Date.now()) return cached.limit;
    const limit = (await this.plans.effectiveLimits(tenantId)).api_per_minute;
    this.limits.set(tenantId, { limit, until: Date.now() + LIMIT_CACHE_MS });
    return limit;
  }
}

/** RateLimit-* headers (IETF httpapi draft; seconds). */
export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  return {
    'ratelimit-limit': String(decision.limit),
    'ratelimit-remaining': String(decision.remaining),
    'ratelimit-reset': String(decision.resetSeconds),
  };
}
