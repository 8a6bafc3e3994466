import { Injectable, Logger, Optional } from '@nestjs/common';
import { AppConfig } from '../config/config.js';

/** What readiness reports about rate limiting. */
export interface RateLimitStatus {
  /** enforced: the last decision reached Redis; failing_open: it did not, and requests went through uncounted. */
  status: 'enforced' | 'failing_open';
  /** Since when decisions have been failing open (ISO 8601). */
  since?: string;
  /** Why the last one failed open. */
  reason?: string;
  /** Decisions let through uncounted since `since`. */
  uncounted?: number;
}

/** How long a rate-limit decision may wait for Redis before failing open, unless configured (RATE_LIMIT_TIMEOUT_MS). */
export const RATE_LIMIT_TIMEOUT_MS = 250;

/** At most one "failing open" warning per interval, not one per request, while Redis is down. */
const WARN_INTERVAL_MS = 10_000;
const TIMED_OUT = Symbol('timed out');

/**
 * The one place every rate limiter (the HTTP throttler, the widget's and password reset's sliding
 * windows, login's backoff) reports to when it cannot reach Redis and lets a request through. It
 * logs (a warning when failing open starts and then at most one per 10 s; a notice when enforcement
 * is back) and tells readiness, so "rate limits are not enforced" is visible on its own, not only
 * as "Redis is down" (docs/adr/0009-rate-limits.md).
 */
@Injectable()
export class RateLimitHealth {
  private readonly logger = new Logger('RateLimits');
  private failingSince: Date | null = null;
  private reason = '';
  private uncounted = 0;
  private lastWarning = 0;
  /** The bound on every decision's wait for Redis. */
  readonly timeoutMs: number;

  constructor(@Optional() config?: AppConfig) {
    this.timeoutMs = config?.env.RATE_LIMIT_TIMEOUT_MS ?? RATE_LIMIT_TIMEOUT_MS;
  }

  /**
   * Runs one decision's Redis work, waiting at most `timeoutMs`. Returns undefined when
   * Redis failed or did not answer in time: the caller lets the request through (fail open), which
   * is reported here. `isReady` false (a client known to be disconnected) fails open at once.
   */
  async attempt<T>(source: string, fn: () => Promise<T>, isReady = true): Promise<T | undefined> {
    if (!isReady) return this.failedOpen(source, 'Redis is not connected');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), this.timeoutMs);
    });
    try {
      const answer = await Promise.race([fn(), timeout]);
      if (answer === TIMED_OUT) return this.failedOpen(source, `no answer within ${this.timeoutMs} ms`);
      this.enforced();
      return answer;
    } catch (error) {
      return this.failedOpen(source, error instanceof Error ? error.message : String(error));
    } finally {
      clearTimeout(timer);
    }
  }

  /** A decision could not reach Redis and let the request through. */
  failedOpen(source: string, reason: string): undefined {
    const now = Date.now();
    this.failingSince ??= new Date(now);
    this.reason = `${source}: ${reason}`;
    this.uncounted++;
    if (now - this.lastWarning >= WARN_INTERVAL_MS) {
      this.lastWarning = now;
      this.logger.warn({ source, reason, uncounted: this.uncounted, since: this.failingSince.toISOString() }, `rate limits not enforced (failing open): ${this.reason}`);
    }
    return undefined;
  }

  /** A decision reached Redis: rate limits are enforced (again). */
  enforced(): void {
    if (this.failingSince === null) return;
    this.logger.log({ uncounted: this.uncounted, since: this.failingSince.toISOString() }, 'rate limits enforced again');
    this.failingSince = null;
    this.reason = '';
    this.uncounted = 0;
    this.lastWarning = 0;
  }

  status(): RateLimitStatus {
    if (this.failingSince === null) return { status: 'enforced' };
    return { status: 'failing_open', since: this.failingSince.toISOString(), reason: this.reason, uncounted: this.uncounted };
  }
}
