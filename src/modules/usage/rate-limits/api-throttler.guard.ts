import { Inject, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerRequest } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ThrottleRecord, throttleRecordOf } from '../../../platform/rate-limit/sliding-window-throttler-storage.js';
import { EdgeAdmission } from '../../../platform/security/edge-admission.js';
import { UsageError } from '../usage.errors.js';

/** The headers of the tightest limit seen so far in one request (several throttlers may count it). */
const tightest = new WeakMap<object, number>();

/**
 * @nestjs/throttler's guard with Tenantry's answers: `RateLimit-Limit`, `RateLimit-Remaining` and
 * `RateLimit-Reset` (seconds; IETF httpapi draft) of the tightest limit that counted the request,
 * and over a limit 429 problem+json `rate_limited` with `Retry-After`. A decision that failed open
 * (Redis unreachable) sets no headers: nothing was counted.
 *
 * Not a global guard: ApiRateLimitInterceptor runs it, because Nest runs every guard before any
 * interceptor, so the principal (tenant, API key) is known by then whatever the guards' order.
 */
@Injectable()
export class ApiThrottlerGuard extends ThrottlerGuard {
  @Inject(EdgeAdmission) private readonly edge!: EdgeAdmission;

  protected override async handleRequest({ context, limit, ttl, throttler, blockDuration, getTracker, generateKey }: ThrottlerRequest): Promise<boolean> {
    const { req, res } = this.getRequestResponse(context) as { req: FastifyRequest; res: FastifyReply };
    const name = throttler.name ?? 'default';
    const key = generateKey(context, await getTracker(req, context), name);
    // Counted already by EdgeAdmission (the tenant's limit, in the round trip with the epochs)?
    const counted = this.edge.countedAt(req, key);
    const record = counted ? throttleRecordOf(counted) : ((await this.storageService.increment(key, ttl, limit, blockDuration, name)) as ThrottleRecord);
    if (record.failedOpen) return true;

    const { headers, remaining } = rateLimitHeaders(limit, record);
    if (record.isBlocked) throw rateLimitRefusal(name, limit, record);
    if (remaining < (tightest.get(req) ?? Infinity)) {
      tightest.set(req, remaining);
      void res.headers(headers);
    }
    return true;
  }
}

function rateLimitHeaders(limit: number, record: ThrottleRecord): { headers: Record<string, string>; remaining: number; reset: number } {
  const remaining = Math.max(0, limit - record.totalHits);
  // Refused: the client may try again when the window resets (or a longer block ends).
  const reset = Math.max(1, record.isBlocked ? Math.max(record.timeToExpire, record.timeToBlockExpire) : record.timeToExpire);
  return { headers: { 'ratelimit-limit': String(limit), 'ratelimit-remaining': String(remaining), 'ratelimit-reset': String(reset) }, remaining, reset };
}

/** The 429 of a request the throttler `name` refused (here, or at the edge: the same answer). */
export function rateLimitRefusal(name: string, limit: number, record: ThrottleRecord): UsageError {
  const { headers, reset } = rateLimitHeaders(limit, record);
  return UsageError.rateLimited(limit, reset, headers, name);
}
