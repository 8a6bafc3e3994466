import { errorClass } from '../../../platform/http/app-error.js';
import type { RateLimitDecision } from '../../../platform/rate-limit/rate-limiter.js';

/**
 * The widget API's errors. Their messages are the seed demo's `detail` texts: the widget's routes
 * answer `{"detail": message}` (WidgetErrorFilter); anywhere else they are problem+json as usual.
 */
export enum WidgetErrorCode {
  /** No such slug, a tenant that is not active, or one whose widget is switched off: all alike. */
  TenantNotFound = 'widget_tenant_not_found',
  /** Malformed session id (not a UUID, or not one the widget issues), or no widget conversation with that id in the tenant. */
  SessionNotFound = 'widget_session_not_found',
  /** The session id was issued for another tenant (its MAC says so: decided from the id alone, no query). */
  SessionTenantMismatch = 'widget_session_tenant_mismatch',
  /** A cross-origin call from a website not on the tenant's allowed origins (refused before anything is stored or counted). */
  OriginNotAllowed = 'widget_origin_not_allowed',
  /** The tenant's limits.chat_per_10s is used up. */
  RateLimited = 'rate_limited',
}

const STATUS: Record<WidgetErrorCode, number> = {
  [WidgetErrorCode.TenantNotFound]: 404,
  [WidgetErrorCode.SessionNotFound]: 404,
  [WidgetErrorCode.SessionTenantMismatch]: 403,
  [WidgetErrorCode.OriginNotAllowed]: 403,
  [WidgetErrorCode.RateLimited]: 429,
};

/** RateLimit-* headers (IETF httpapi draft; seconds), sent with every /chat answer. */
export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  return {
    'ratelimit-limit': String(decision.limit),
    'ratelimit-remaining': String(decision.remaining),
    'ratelimit-reset': String(decision.resetSeconds),
  };
}

export class WidgetError extends errorClass(STATUS) {
  static tenantNotFound(): WidgetError {
    return new WidgetError(WidgetErrorCode.TenantNotFound, 'Unknown tenant');
  }

  static sessionNotFound(): WidgetError {
    return new WidgetError(WidgetErrorCode.SessionNotFound, 'Unknown session');
  }

  static sessionTenantMismatch(): WidgetError {
    return new WidgetError(WidgetErrorCode.SessionTenantMismatch, 'Session does not belong to tenant');
  }

  static originNotAllowed(): WidgetError {
    return new WidgetError(WidgetErrorCode.OriginNotAllowed, 'Origin not allowed');
  }

  static rateLimited(decision: RateLimitDecision): WidgetError {
    return new WidgetError(WidgetErrorCode.RateLimited, 'Rate limit exceeded', {}, {
      'retry-after': String(decision.resetSeconds),
      ...rateLimitHeaders(decision),
    });
  }
}
