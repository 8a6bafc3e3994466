import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { RateLimitHealth } from '../../src/platform/rate-limit/rate-limit-health.js';
import { PrivateRedis } from '../support/private-redis.js';
import { createTestApp, type TestApp } from '../support/http-app.js';

/**
 * EdgeAdmission with a Redis too slow to answer (docs/adr/0018, decision 20): the request goes
 * through without waiting longer (fail open, ADR 0009), and Redis is waited for, reported and sent
 * the script ONCE, at the edge, not again by the throttler behind it. A private redis-server (this file pauses its clients).
 */

const redis = new PrivateRedis(Number(process.env.TEST_PRIVATE_REDIS_EDGE_PORT || 56372));
let t: TestApp;
const failedOpen: string[] = [];

beforeAll(async () => {
  await redis.start();
  t = await createTestApp({ env: { REDIS_URL: redis.url, RATE_LIMIT_TIMEOUT_MS: '100' } });
  const health = t.app.get(RateLimitHealth, { strict: false });
  const original = health.failedOpen.bind(health);
  health.failedOpen = (source: string, reason: string) => {
    failedOpen.push(source);
    return original(source, reason);
  };
}, 60_000);

afterAll(async () => {
  await t?.close();
  await redis.stop();
});

describe('Redis too slow for the edge', () => {
  it('lets the request through (no RateLimit headers), having waited for Redis, reported it and sent the script once', async () => {
    const tenant = await t.makeTenant();
    await t.owner.query('update tenants set limit_overrides = $2 where id = $1', [tenant.id, { api_per_minute: 100 }]);
    const member = await t.makeMember(tenant.id, 'member');
    const usage = () => t.inject({ method: 'GET', url: '/api/v1/usage', headers: member.auth });
    for (let i = 0; i < 2; i++) expect((await usage()).headers['ratelimit-limit']).toBe('100'); // the edge knows all it needs now

    const admin = new Redis(redis.url);
    try {
      // Scripts may write: paused for 600 ms, longer than RATE_LIMIT_TIMEOUT_MS.
      await admin.call('CLIENT', 'PAUSE', '600', 'WRITE');
      const slow = await usage();
      expect(slow.statusCode).toBe(200);
      expect(slow.headers['ratelimit-limit']).toBeUndefined();
      expect(failedOpen).toEqual(['edge']);
      await admin.call('CLIENT', 'UNPAUSE');
    } finally {
      admin.disconnect();
    }

    // The script that timed out was still queued in Redis and ran when the pause ended: the slow
    // request was counted once, late (a client's time-out cancels nothing). Asking again from the
    // throttler would have counted it twice.
    const counted = await usage();
    expect(counted.statusCode).toBe(200);
    expect(counted.headers['ratelimit-remaining']).toBe('96');
  }, 30_000);
});
