import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AppConfig } from '../../../platform/config/config.js';
import { RateLimitHealth } from '../../../platform/rate-limit/rate-limit-health.js';
import { RedisClient } from '../../../platform/redis/redis.module.js';
import { ACCOUNT_THROTTLE, IP_THROTTLE, lockSeconds, LoginThrottle } from './login-throttle.js';

const REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';

function throttleOn(redisUrl: string): { throttle: LoginThrottle; redis: RedisClient; health: RateLimitHealth } {
  const config = new AppConfig({
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: `test:throttle:${randomBytes(4).toString('hex')}`,
    RATE_LIMIT_TIMEOUT_MS: 2000, // generous on a loaded machine; the Redis-down test fails at once anyway
  } as AppConfig['env']);
  const redis = new RedisClient(config);
  const health = new RateLimitHealth(config);
  return { throttle: new LoginThrottle(redis, config, health), redis, health };
}

describe('lockSeconds: exponential backoff', () => {
  it('does not lock below the threshold, then locks 2, 4, 8 … seconds, capped at 15 minutes', () => {
    const seconds = Array.from({ length: 16 }, (_, i) => lockSeconds(i + 1, ACCOUNT_THROTTLE));
    expect(seconds).toEqual([0, 0, 0, 0, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]);
  });

  it('gives the IP a higher threshold than the account', () => {
    expect(IP_THROTTLE.threshold).toBeGreaterThan(ACCOUNT_THROTTLE.threshold);
    expect(lockSeconds(ACCOUNT_THROTTLE.threshold, IP_THROTTLE)).toBe(0);
  });
});

describe('LoginThrottle against Redis', () => {
  let subject: ReturnType<typeof throttleOn>;

  beforeAll(async () => {
    subject = throttleOn(REDIS_URL);
    await new Promise<void>((resolve) => (subject.redis.redis.status === 'ready' ? resolve() : subject.redis.redis.once('ready', () => resolve())));
  });

  afterAll(async () => {
    await subject.redis.onModuleDestroy();
  });

  it('locks an account after its threshold of failures, normalizing the email', async () => {
    const email = `someone-${randomBytes(4).toString('hex')}@example.test`;
    for (let i = 1; i < ACCOUNT_THROTTLE.threshold; i++) {
      await subject.throttle.recordFailure(email, undefined);
      expect(await subject.throttle.retryAfter(email, undefined)).toBe(0);
    }
    await subject.throttle.recordFailure(` ${email.toUpperCase()} `, undefined);
    expect(await subject.throttle.retryAfter(email, undefined)).toBe(2);

    await subject.throttle.reset(email);
    expect(await subject.throttle.retryAfter(email, undefined)).toBe(0);
  });

  it('locks an IP for every account once the IP passes its threshold', async () => {
    const ip = `10.${randomBytes(1)[0]}.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;
    for (let i = 0; i < IP_THROTTLE.threshold; i++) await subject.throttle.recordFailure(`x${i}-${ip}@example.test`, ip);
    expect(await subject.throttle.retryAfter('anyone-else@example.test', ip)).toBe(2);
    expect(await subject.throttle.retryAfter('anyone-else@example.test', '10.255.255.254')).toBe(0);
  });
});

describe('LoginThrottle without Redis', () => {
  it('fails open at once without waiting on Redis, with one warning, and says so', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { throttle, redis, health } = throttleOn('redis://127.0.0.1:6390'); // nothing listens there
    const sent = jest.spyOn(redis.redis, 'sendCommand');
    try {
      for (let i = 0; i < 10; i++) await throttle.recordFailure('someone@example.test', '10.0.0.1');
      expect(await throttle.retryAfter('someone@example.test', '10.0.0.1')).toBe(0);
      await throttle.reset('someone@example.test');

      // Bounded by construction: a client that is not connected is not even asked.
      expect(sent).not.toHaveBeenCalled();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![1])).toMatch(/failing open/);
      expect(health.status()).toMatchObject({ status: 'failing_open', uncounted: 12 });
    } finally {
      warn.mockRestore();
      await redis.onModuleDestroy();
    }
  });
});
