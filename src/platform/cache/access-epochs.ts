import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../config/config.js';
import { TenantContext } from '../context/tenant-context.js';
import { RedisClient } from '../redis/redis.module.js';
import type { CacheScope, EpochStamp } from './epoch-cache.js';

/** What AccessEpochs can tell to forget a tenant's or user's entries. */
export interface Droppable {
  drop(scope: CacheScope | 'all'): void;
}

/**
 * How long a cached principal or tenant configuration may be served without a change being
 * announced (one made by hand in the database, outside the application, shows after this at most).
 */
export const ACCESS_CACHE_TTL_MS = 30_000;

/** A tenant's or user's epoch key outlives any cache entry by far (entries live seconds). */
const EPOCH_KEY_TTL_MS = 24 * 3600_000;

interface Announcement {
  t?: string;
  u?: string;
  all?: true;
}

/**
 * Invalidation of the per-instance caches of access and tenant configuration, across instances
 * (docs/adr/0018-hot-path.md). Two mechanisms, each for its own job:
 * - **Epochs in Redis** (exactness): a counter for everything, one per tenant and one per user.
 *   A change bumps its counters AFTER it commits (`changed`, through TenantContext.afterCommit);
 *   a request reads the counters (`read`, one MGET) before it trusts a cached entry, and an entry
 *   is served only under the epochs it was stored with. So a request that starts after a change
 *   was acknowledged, on any instance, never sees the old state. Redis unreachable: `read` gives
 *   undefined and callers go to the database (no cache), never to a possibly stale entry.
 * - **Pub/sub** (memory): the same change is published, and every instance drops the entries of
 *   that tenant or user at once rather than letting them wait for their lifetime. After its
 *   subscription reconnects, an instance drops everything (it may have missed messages).
 * A change made outside the application (psql, a script) must announce itself (`changed`, or
 * `npm`-side tooling bumping the global epoch); otherwise it is seen when the entries expire.
 */
@Injectable()
export class AccessEpochs implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('AccessEpochs');
  private readonly prefix: string;
  private readonly channel: string;
  private readonly caches = new Set<Droppable>();
  private subscriber: Redis | undefined;

  constructor(
    private readonly redisClient: RedisClient,
    private readonly ctx: TenantContext,
    config: AppConfig,
  ) {
    this.prefix = `${config.env.QUEUE_PREFIX}:epoch:`;
    this.channel = `${config.env.QUEUE_PREFIX}:epoch-changes`;
  }

  /** The key of the global epoch: bumping it (INCR) invalidates every cached entry everywhere. */
  get globalKey(): string {
    return `${this.prefix}all`;
  }

  /**
   * The keys `read` takes a scope's stamp from: the global epoch, the tenant's and the user's (the
   * global key again for a part the scope lacks). For a scope with both a tenant and a user, the
   * stamp is their values joined with dots, 0 for a missing key: a Lua script that reads the same
   * keys (RateLimiter.consumeUnderEpochs) makes the same stamp.
   */
  keysOf(scope: CacheScope): [string, string, string] {
    return [
      this.globalKey,
      scope.tenantId ? `${this.prefix}t:${scope.tenantId}` : this.globalKey,
      scope.userId ? `${this.prefix}u:${scope.userId}` : this.globalKey,
    ];
  }

  /** The stamp of `scope` from the values of its `keysOf` (read in a caller's own round trip). */
  stampOf(scope: CacheScope, [all, tenant, user]: ReadonlyArray<string | null | undefined>): EpochStamp {
    return `${all ?? 0}.${scope.tenantId ? (tenant ?? 0) : '-'}.${scope.userId ? (user ?? 0) : '-'}` as EpochStamp;
  }

  /** Caches whose entries are dropped when a change is announced (here or on another instance). */
  register<C extends Droppable>(cache: C): C {
    this.caches.add(cache);
    return cache;
  }

  /**
   * The current epochs of `scope`, as one stamp; undefined when Redis cannot say (then nothing
   * cached may be trusted). One round trip to Redis.
   */
  async read(scope: CacheScope): Promise<EpochStamp | undefined> {
    const redis = this.redisClient.redis;
    if (redis.status !== 'ready') return undefined;
    try {
      return this.stampOf(scope, await redis.mget(...this.keysOf(scope)));
    } catch {
      return undefined;
    }
  }

  /**
   * Announces that what is cached for the tenant or user (or everything) has changed: after the
   * unit of work in progress commits (at once outside one). This instance's caches drop the
   * entries at once; Redis's epochs and the pub/sub message reach the others. A failure to reach
   * Redis is logged, not thrown: the change is committed; other instances see it when their
   * entries expire, or at once if they cannot reach Redis either (they read no epochs then).
   */
  changed(scope: CacheScope | 'all'): Promise<void> {
    return this.ctx.afterCommit(() => this.announce(scope));
  }

  private async announce(scope: CacheScope | 'all'): Promise<void> {
    this.dropLocal(scope);
    const redis = this.redisClient.redis;
    const message: Announcement = scope === 'all' ? { all: true } : { t: scope.tenantId, u: scope.userId };
    try {
      const multi = redis.multi();
      if (scope === 'all') multi.incr(this.globalKey);
      for (const key of scope === 'all' ? [] : [scope.tenantId && `${this.prefix}t:${scope.tenantId}`, scope.userId && `${this.prefix}u:${scope.userId}`]) {
        if (key) multi.incr(key).pexpire(key, EPOCH_KEY_TTL_MS);
      }
      multi.publish(this.channel, JSON.stringify(message));
      await multi.exec();
    } catch (error) {
      this.logger.warn({ err: error, scope }, 'a change could not be announced to other instances; their cached entries expire on their own');
    }
  }

  private dropLocal(scope: CacheScope | 'all'): void {
    for (const cache of this.caches) cache.drop(scope);
  }

  onModuleInit(): void {
    const subscriber = this.redisClient.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined, enableAutoPipelining: false });
    this.subscriber = subscriber;
    subscriber.on('error', () => undefined); // ioredis reconnects (and resubscribes); epochs keep reads exact meanwhile
    let connectedOnce = false;
    subscriber.on('ready', () => {
      if (connectedOnce) this.dropLocal('all'); // messages may have been missed while away
      connectedOnce = true;
    });
    subscriber.on('message', (channel: string, raw: string) => {
      if (channel !== this.channel) return;
      try {
        const message = JSON.parse(raw) as Announcement;
        this.dropLocal(message.all ? 'all' : { tenantId: message.t, userId: message.u });
      } catch {
        this.dropLocal('all');
      }
    });
    // Not awaited: with Redis down the application still starts, and reads bypass the caches.
    subscriber.subscribe(this.channel).catch(() => undefined);
  }

  onModuleDestroy(): void {
    this.subscriber?.disconnect();
  }
}
