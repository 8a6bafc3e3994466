import { Injectable } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { countRateLimitDecision } from '../observability/rate-limit-metrics.js';
import { type RateLimitDecision, RateLimiter } from './rate-limiter.js';

/** A throttler record, plus whether Redis was skipped (the request was let through uncounted). */
export interface ThrottleRecord {
  /** Requests counted in the window, this one included when it was allowed. */
  totalHits: number;
  /** Seconds until a slot frees (the oldest counted request leaves the window); at least 1. */
  timeToExpire: number;
  /** This request was refused: the window already holds `limit` requests. */
  isBlocked: boolean;
  /** Seconds until a refused client may try again (the same as timeToExpire). */
  timeToBlockExpire: number;
  failedOpen?: true;
}

/**
 * @nestjs/throttler's storage on the platform's sliding-window log (RateLimiter: one Lua script,
 * EVALSHA, atomic in Redis and shared by every instance), so that in any `ttl` ms at most `limit`
 * requests of a key get through, whatever the concurrency. A refused request is not recorded, so
 * a client that keeps knocking gets in again as soon as its oldest request leaves the window; there
 * is no penalty box and `blockDuration` is ignored. Fails open within RATE_LIMIT_TIMEOUT_MS,
 * reported to RateLimitHealth, like every limiter (docs/adr/0009-rate-limits.md).
 */
@Injectable()
export class SlidingWindowThrottlerStorage implements ThrottlerStorage {
  constructor(private readonly limiter: RateLimiter) {}

  async increment(key: string, ttl: number, limit: number, _blockDuration: number, throttlerName: string): Promise<ThrottleRecord> {
    return throttleRecordOf(countRateLimitDecision(throttlerName, await this.limiter.consumeAt(key, limit, ttl, 'throttler')));
  }
}

/** A limiter's decision as the throttler's record. */
export function throttleRecordOf(decision: RateLimitDecision): ThrottleRecord {
  const base = { totalHits: decision.failedOpen ? 0 : decision.limit - decision.remaining, timeToExpire: decision.resetSeconds };
  if (decision.failedOpen) return { ...base, isBlocked: false, timeToBlockExpire: 0, failedOpen: true };
  return { ...base, isBlocked: !decision.allowed, timeToBlockExpire: decision.allowed ? 0 : decision.resetSeconds };
}
