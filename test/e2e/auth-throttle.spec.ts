import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ACCOUNT_THROTTLE, IP_THROTTLE } from '../../src/modules/auth/throttle/login-throttle.js';
import { RateLimitHealth } from '../../src/platform/rate-limit/rate-limit-health.js';
import { RedisClient } from '../../src/platform/redis/redis.module.js';
import { createTestApp, DEFAULT_PASSWORD, expectProblem, type TestApp } from '../support/http-app.js';

/**
 * Sign-in throttling (Redis): per account and per IP, exponential backoff, 429 too_many_attempts
 * with Retry-After; a success resets the account's count; Redis down fails open, fast.
 */

let t: TestApp;
let ipCounter = 0;
const nextIp = (): string => `10.4.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;

beforeAll(async () => {
  t = await createTestApp();
});

afterAll(async () => {
  await t?.close();
});

const login = (email: string, password: string, remoteAddress: string) =>
  t.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, remoteAddress });

async function member(): Promise<{ email: string }> {
  const user = await t.makeUser();
  const tenant = await t.makeTenant();
  await t.makeMember(tenant.id, 'member', user);
  return user;
}

describe('per account', () => {
  it(`after ${ACCOUNT_THROTTLE.threshold} failures answers 429 with Retry-After, even to the right password, before checking it`, async () => {
    const { email } = await member();
    const ip = nextIp();
    for (let i = 0; i < ACCOUNT_THROTTLE.threshold; i++) {
      expectProblem(await login(email, `wrong password ${i}`, ip), 401, 'invalid_credentials');
    }

    const locked = await login(email, DEFAULT_PASSWORD, ip);

    const body = expectProblem(locked, 429, 'too_many_attempts');
    expect(locked.headers['retry-after']).toBe('2');
    expect(body.retryAfter).toBe(2);
    // From any address: the lock is the account's.
    expectProblem(await login(email, DEFAULT_PASSWORD, nextIp()), 429, 'too_many_attempts');
  });

  it('locks an unknown email exactly like a known one (the lock-out reveals nothing)', async () => {
    const known = await member();
    const unknown = `nobody-${Date.now()}@example.test`;
    const answers: Record<string, unknown[]> = {};
    for (const email of [known.email, unknown]) {
      const ip = nextIp();
      answers[email] = [];
      for (let i = 0; i <= ACCOUNT_THROTTLE.threshold; i++) {
        const res = await login(email, 'a wrong password', ip);
        const { requestId: _r, ...body } = res.json<Record<string, unknown>>();
        answers[email].push({ status: res.statusCode, retryAfter: res.headers['retry-after'], body });
      }
    }
    expect(answers[unknown]).toEqual(answers[known.email]);
    expect((answers[unknown]!.at(-1) as { status: number }).status).toBe(429);
  });

  it('a successful sign-in resets the count: the lock expires, success, then failures start from zero', async () => {
    const { email } = await member();
    const ip = nextIp();
    for (let i = 0; i < ACCOUNT_THROTTLE.threshold; i++) await login(email, 'a wrong password', ip);
    const locked = await login(email, DEFAULT_PASSWORD, ip);
    expect(locked.statusCode).toBe(429);

    await new Promise((resolve) => setTimeout(resolve, Number(locked.headers['retry-after']) * 1000 + 100));
    expect((await login(email, DEFAULT_PASSWORD, ip)).statusCode).toBe(200);

    // Without the reset, the next failure (the 6th in the window) would lock for 4 s.
    for (let i = 1; i < ACCOUNT_THROTTLE.threshold; i++) {
      expectProblem(await login(email, 'a wrong password', ip), 401, 'invalid_credentials');
    }
    expect((await login(email, DEFAULT_PASSWORD, ip)).statusCode).toBe(200);
  });
});

describe('per IP', () => {
  it(`after ${IP_THROTTLE.threshold} failures from one address, refuses every account from it, and no other address`, async () => {
    const { email } = await member();
    const ip = nextIp();
    for (let i = 0; i < IP_THROTTLE.threshold; i++) {
      // Many accounts, each below its own threshold: only the IP's count can stop this.
      expectProblem(await login(`spray-${i}-${Date.now()}@example.test`, 'Summer2026!', ip), 401, 'invalid_credentials');
    }

    expectProblem(await login(email, DEFAULT_PASSWORD, ip), 429, 'too_many_attempts');
    expect((await login(email, DEFAULT_PASSWORD, nextIp())).statusCode).toBe(200);
  });
});

describe('with Redis down', () => {
  it('fails open: sign-in works, wrong passwords are still refused, and nothing stalls', async () => {
    // An app whose Redis connection is gone (what a crashed Redis looks like to the client).
    const down = await createTestApp();
    down.app.get(RedisClient).redis.disconnect();
    try {
      const user = await down.makeUser();
      const tenant = await down.makeTenant();
      await down.makeMember(tenant.id, 'member', user);
      for (let i = 0; i < ACCOUNT_THROTTLE.threshold + 2; i++) {
        const res = await down.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: 'wrong one!' } });
        expectProblem(res, 401, 'invalid_credentials');
      }
      const ok = await down.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: DEFAULT_PASSWORD } });

      expect(ok.statusCode).toBe(200);
      // Bounded by construction: a disconnected client is not even asked; the outage is reported.
      expect(down.app.get(RateLimitHealth).status()).toMatchObject({ status: 'failing_open', reason: expect.stringContaining('Redis is not connected') });
    } finally {
      await down.close();
    }
  });
});
