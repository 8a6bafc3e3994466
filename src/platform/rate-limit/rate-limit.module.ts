import { Module } from '@nestjs/common';
import { SlidingWindowThrottlerStorage } from './sliding-window-throttler-storage.js';
import { RateLimitHealth } from './rate-limit-health.js';
import { RateLimiter } from './rate-limiter.js';

/**
 * Rate limiting on Redis (RedisModule, which is global, provides the connection): the sliding-window
 * limiter, used by services and, through the @nestjs/throttler storage over it, by the HTTP
 * throttlers; and RateLimitHealth, which both report to and readiness reads. One instance of each
 * per application (Nest modules are singletons).
 */
@Module({
  providers: [RateLimiter, RateLimitHealth, SlidingWindowThrottlerStorage],
  exports: [RateLimiter, RateLimitHealth, SlidingWindowThrottlerStorage],
})
export class RateLimitModule {}
