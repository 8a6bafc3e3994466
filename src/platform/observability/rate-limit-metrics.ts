import { metrics } from './metrics.js';

/**
 * Counts a rate-limit decision (rate_limit_decisions_total{limiter, decision}) and returns it
 * unchanged, so that a limiter records with one wrapped `return`. `limiter` is a throttler's name
 * or a RateLimiter key, whose first segment names it (`widget-chat:<tenant>` → widget-chat).
 */
export function countRateLimitDecision<D extends { allowed?: boolean; isBlocked?: boolean; failedOpen?: true }>(limiter: string, decision: D): D {
  const name = limiter.split(':', 1)[0]!;
  const outcome = decision.failedOpen ? 'failing_open' : decision.isBlocked === true || decision.allowed === false ? 'limited' : 'allowed';
  metrics.rateLimitDecisions.inc({ limiter: name, decision: outcome });
  return decision;
}
