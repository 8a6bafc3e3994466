import { Global, Injectable, Module, type OnModuleDestroy } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../config/config.js';

/**
 * The shared Redis connection for the application's own commands (health, counters). Libraries
 * that need their own connections (BullMQ, the throttler) get connection options, not this client.
 */
@Injectable()
export class RedisClient implements OnModuleDestroy {
  readonly redis: Redis;

  constructor(config: AppConfig) {
    this.redis = new Redis(config.env.REDIS_URL, {
      lazyConnect: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      commandTimeout: 1000,
      enableOfflineQueue: false,
      // Commands issued in the same turn of the event loop (concurrent requests' rate limits and
      // epochs) leave in ONE write: a system call per command was most of a refused request's
      // CPU here (docs/adr/0018). Connections made with duplicate() (subscribers, blocking
      // readers) turn it off.
      enableAutoPipelining: true,
    });
    this.redis.on('error', () => undefined); // reported by readiness; ioredis reconnects on its own
  }

  async onModuleDestroy(): Promise<void> {
    // QUIT lets queued replies arrive; a client that is not connected is simply stopped (which
    // also cancels its reconnect timer).
    if (this.redis.status === 'ready') {
      await Promise.race([this.redis.quit().catch(() => undefined), new Promise((r) => setTimeout(r, 500).unref())]);
    }
    this.redis.disconnect();
  }
}

@Global()
@Module({ providers: [RedisClient], exports: [RedisClient] })
export class RedisModule {}
