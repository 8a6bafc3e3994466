import { errorClass } from '../../platform/http/app-error.js';

export enum UsageErrorCode {
  /** A reservation would take a metric past the tenant's limit for the period. */
  QuotaExceeded = 'quota_exceeded',
  /** Too many requests in a rate-limit window (the plan's api_per_minute, or a sign-in limit). */
  RateLimited = 'rate_limited',
}

const STATUS: Record<UsageErrorCode, number> = {
  [UsageErrorCode.QuotaExceeded]: 402,
  [UsageErrorCode.RateLimited]: 429,
};

const RATE_LIMIT_MESSAGES: Record<string, string> = {
  tenant: 'Too many requests: the plan’s API rate limit is reached',
  'api-key': 'Too many requests: the plan’s API rate limit is reached for this API key',
  'signin-ip': 'Too many sign-in requests from this address; try again later',
  'signin-account': 'Too many sign-in requests for this account; try again later',
  'widget-ip': 'Too many requests from this address; try again later',
};

export class UsageError extends errorClass(STATUS) {
  /** `resetAt`: when the period ends and the quota is available again (null: seats never reset). */
  static quotaExceeded(metric: string, limit: number, used: number, periodStart: string, resetAt: string | null): UsageError {
    return new UsageError(UsageErrorCode.QuotaExceeded, `The ${metric} quota of this period is used up`, { metric, limit, used, periodStart, resetAt });
  }

  /** `throttler`: which limit refused (tenant, api-key: the plan's api_per_minute; signin-ip, signin-account). */
  static rateLimited(limit: number, retryAfterSeconds: number, headers: Record<string, string>, throttler = 'tenant'): UsageError {
    return new UsageError(UsageErrorCode.RateLimited, RATE_LIMIT_MESSAGES[throttler] ?? RATE_LIMIT_MESSAGES.tenant!, { limit, retryAfter: retryAfterSeconds, throttler }, {
      'retry-after': String(retryAfterSeconds),
      ...headers,
    });
  }
}
