import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { AppConfig } from '../config/config.js';
import { RateLimitHealth } from './rate-limit-health.js';
import { countRateLimitDecision } from '../observability/rate-limit-metrics.js';

/** A throttler record, plus whether Redis was skipped (the request was let through uncounted). */
export interface ThrottleRecord {
  totalHits: number;
  /** Seconds until the window's count resets. */
  timeToExpire: number;
  isBlocked: boolean;
  /** Seconds until a blocked key may try again. */
  timeToBlockExpire: number;
  failedOpen?: true;
}

/**
 * @nestjs/throttler's storage: @nest-lab/throttler-storage-redis (one atomic Lua script per
 * decision, shared by every instance), made to fail open. Its own ioredis connection (given
 * options, not our client, so it closes it itself) never queues commands while disconnected, and
 * a decision waits at most RATE_LIMIT_TIMEOUT_MS (250 ms): a Redis outage costs a request at most that,
 * never a multi-second stall, and lets it through uncounted (reported to RateLimitHealth).
 */
@Injectable()
export class FailOpenThrottlerStorage implements ThrottlerStorage, OnModuleDestroy {
  private readonly storage: ThrottlerStorageRedisService;

  constructor(
    config: AppConfig,
    private readonly health: RateLimitHealth,
  ) {
    this.storage = new ThrottlerStorageRedisService(config.env.REDIS_URL, {
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      commandTimeout: health.timeoutMs,
      enableOfflineQueue: false,
    });
    this.storage.redis.on('error', () => undefined); // reported per decision and by readiness
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottleRecord> {
    const record = await this.health.attempt('throttler', () => this.storage.increment(key, ttl, limit, blockDuration, throttlerName));
    return countRateLimitDecision(throttlerName, record ?? { totalHits: 0, timeToExpire: Math.ceil(ttl / 1000), isBlocked: false, timeToBlockExpire: 0, failedOpen: true });
  }

  onModuleDestroy(): void {
    this.storage.onModuleDestroy();
  }
}
