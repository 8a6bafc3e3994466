import { AppError } from '../../platform/http/app-error.js';

export enum UsageErrorCode {
  /** A reservation would take a metric past the tenant's limit for the period. */
  QuotaExceeded = 'quota_exceeded',
  /** Too many API requests in the plan's window (api_per_minute). */
  RateLimited = 'rate_limited',
}

const STATUS: Record<UsageErrorCode, number> = {
  [UsageErrorCode.QuotaExceeded]: 402,
  [UsageErrorCode.RateLimited]: 429,
};

export class UsageError extends AppError<UsageErrorCode> {
  get status(): number {
    return STATUS[this.code];
  }

  /** `resetAt`: when the period ends and the quota is available again (null: seats never reset). */
  static quotaExceeded(metric: string, limit: number, used: number, periodStart: string, resetAt: string | null): UsageError {
    return new UsageError(UsageErrorCode.QuotaExceeded, `The ${metric} quota of this period is used up`, { metric, limit, used, periodStart, resetAt });
  }

  static rateLimited(limit: number, retryAfterSeconds: number, headers: Record<string, string>): UsageError {
    return new UsageError(UsageErrorCode.RateLimited, 'Too many requests: the plan’s API rate limit is reached', { limit, retryAfter: retryAfterSeconds }, {
      'retry-after': String(retryAfterSeconds),
      ...headers,
    });
  }
}
