import { Module } from '@nestjs/common';
import { FailOpenThrottlerStorage } from './fail-open-throttler-storage.js';
import { RateLimitHealth } from './rate-limit-health.js';
import { RateLimiter } from './rate-limiter.js';

/**
 * Rate limiting on Redis (RedisModule, which is global, provides the limiter's connection; the
 * throttler storage opens its own): the @nestjs/throttler storage that fails open, the sliding-window
 * limiter for limits enforced in services, and RateLimitHealth, which both report to and readiness
 * reads. One instance of each per application (Nest modules are singletons).
 */
@Module({
  providers: [RateLimiter, RateLimitHealth, FailOpenThrottlerStorage],
  exports: [RateLimiter, RateLimitHealth, FailOpenThrottlerStorage],
})
export class RateLimitModule {}
