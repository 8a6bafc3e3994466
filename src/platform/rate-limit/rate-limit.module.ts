import { Module } from '@nestjs/common';
import { RateLimiter } from './rate-limiter.js';

/** The Redis-backed rate limiter (RedisModule, which is global, provides its connection). */
@Module({ providers: [RateLimiter], exports: [RateLimiter] })
export class RateLimitModule {}
