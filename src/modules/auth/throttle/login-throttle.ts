import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../../platform/config/config.js';
import { RateLimitHealth } from '../../../platform/rate-limit/rate-limit-health.js';
import { RedisClient } from '../../../platform/redis/redis.module.js';

/** When failures start locking a key out, and for how long at most. */
export interface ThrottlePolicy {
  /** Failures within the window that start a lock-out. */
  threshold: number;
  /** Failures are forgotten this long after the last one (a sliding window). */
  windowSeconds: number;
  maxLockSeconds: number;
}

/** Per account (the email, known or not, so the answer never tells them apart). */
export const ACCOUNT_THROTTLE: ThrottlePolicy = { threshold: 5, windowSeconds: 900, maxLockSeconds: 900 };
/** Per client IP: higher, since offices and mobile carriers share addresses. */
export const IP_THROTTLE: ThrottlePolicy = { threshold: 30, windowSeconds: 900, maxLockSeconds: 900 };

/**
 * Exponential backoff: the failure that reaches the threshold locks for 2 s, each further one
 * doubles it (4, 8, … s), capped at maxLockSeconds.
 */
export function lockSeconds(failures: number, policy: ThrottlePolicy): number {
  if (failures < policy.threshold) return 0;
  return Math.min(2 ** (failures - policy.threshold + 1), policy.maxLockSeconds);
}


/**
 * Sign-in throttling in Redis, shared by every server instance: failed attempts are counted per
 * account and per IP; past the threshold a lock key with a TTL refuses further attempts (429 with
 * Retry-After) before any password is checked. A successful sign-in clears the account's count.
 *
 * Redis down or slow must not lock everyone out, nor stall sign-in: every call fails open within
 * RATE_LIMIT_TIMEOUT_MS, reported to RateLimitHealth (logs, readiness).
 */
@Injectable()
export class LoginThrottle {
  private readonly prefix: string;

  constructor(
    private readonly redisClient: RedisClient,
    config: AppConfig,
    private readonly health: RateLimitHealth,
  ) {
    // The deployment's Redis namespace (as the job queues'; tests get one per database).
    this.prefix = `${config.env.QUEUE_PREFIX}:auth:`;
  }

  /** Seconds until the account or the IP may try again; 0 when neither is locked. */
  async retryAfter(email: string, ip: string | undefined): Promise<number> {
    const keys = this.keys(email, ip);
    const ttls = await this.guard('check', async (redis) => {
      const pipeline = redis.pipeline().pttl(keys.accountLock);
      if (keys.ipLock) pipeline.pttl(keys.ipLock);
      const results = (await pipeline.exec()) ?? [];
      return results.map(([error, ttl]) => (error ? 0 : Number(ttl)));
    });
    const longest = Math.max(0, ...(ttls ?? []));
    return longest > 0 ? Math.ceil(longest / 1000) : 0;
  }

  /** Counts a failed attempt; locks the account and/or the IP once they pass their threshold. */
  async recordFailure(email: string, ip: string | undefined): Promise<void> {
    const keys = this.keys(email, ip);
    await this.guard('record', async (redis) => {
      const count = redis.multi().incr(keys.accountFailures).pexpire(keys.accountFailures, ACCOUNT_THROTTLE.windowSeconds * 1000);
      if (keys.ipFailures) count.incr(keys.ipFailures).pexpire(keys.ipFailures, IP_THROTTLE.windowSeconds * 1000);
      const results = (await count.exec()) ?? [];
      const accountFailures = Number(results[0]?.[1] ?? 0);
      const ipFailures = Number(results[2]?.[1] ?? 0);
      const locks = redis.multi();
      const accountLock = lockSeconds(accountFailures, ACCOUNT_THROTTLE);
      const ipLock = lockSeconds(ipFailures, IP_THROTTLE);
      if (accountLock > 0) locks.set(keys.accountLock, '1', 'PX', accountLock * 1000);
      if (ipLock > 0 && keys.ipLock) locks.set(keys.ipLock, '1', 'PX', ipLock * 1000);
      if (accountLock > 0 || ipLock > 0) await locks.exec();
      else locks.discard();
    });
  }

  /** A successful sign-in: the account starts afresh (the IP's count stays). */
  async reset(email: string): Promise<void> {
    const keys = this.keys(email, undefined);
    await this.guard('reset', (redis) => redis.del(keys.accountFailures, keys.accountLock));
  }

  private keys(email: string, ip: string | undefined) {
    // The email is hashed: Redis holds no addresses in clear.
    const account = createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 32);
    return {
      accountFailures: `${this.prefix}fail:acct:${account}`,
      accountLock: `${this.prefix}lock:acct:${account}`,
      ipFailures: ip ? `${this.prefix}fail:ip:${ip}` : undefined,
      ipLock: ip ? `${this.prefix}lock:ip:${ip}` : undefined,
    };
  }

  private guard<T>(what: string, fn: (redis: RedisClient['redis']) => Promise<T>): Promise<T | undefined> {
    const redis = this.redisClient.redis;
    return this.health.attempt(`sign-in throttle (${what})`, () => fn(redis), redis.status === 'ready');
  }
}
