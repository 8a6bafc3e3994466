import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiCallMeter } from '../../src/modules/usage/rate-limits/api-call-meter.js';
import { UsageModule } from '../../src/modules/usage/usage.module.js';
import { createApp } from '../../src/bootstrap.js';
import { createTestApp, expectProblem, type TestApp, type TestMember } from '../support/http-app.js';

/**
 * @nestjs/throttler on Redis storage. API requests per minute come from the tenant's plan
 * (api_per_minute) and, for an API key, from the key's own rate; they are counted in Redis, so two
 * server instances on the same database and Redis share one limit. Over it: 429 problem+json
 * rate_limited with Retry-After; every counted answer carries RateLimit-* headers. Sign-in routes
 * are limited per IP and per account. Every authenticated request is metered as an API call.
 * Redis down: requests go through uncounted, and readiness says so.
 */

let t: TestApp;
let second: NestFastifyApplication;

beforeAll(async () => {
  t = await createTestApp({ imports: [UsageModule], env: { SIGNIN_RATE_PER_IP: '6', SIGNIN_RATE_PER_ACCOUNT: '2', WIDGET_RATE_PER_IP: '3' } });
  // A second instance: the same configuration, so the same database and Redis.
  second = await createApp(t.config, { imports: [UsageModule] });
  await second.init();
  await second.getHttpAdapter().getInstance().ready();
});
afterAll(async () => {
  await second?.close();
  await t?.close();
});

async function tenantAllowing(perMinute: number): Promise<TestMember> {
  const tenant = await t.makeTenant();
  await t.owner.query('update tenants set limit_overrides = $2 where id = $1', [tenant.id, JSON.stringify({ api_per_minute: perMinute })]);
  return t.makeMember(tenant.id, 'member');
}

const onFirst = (who: TestMember) => t.inject({ method: 'GET', url: '/api/v1/usage', headers: who.auth });
const onSecond = (who: TestMember) => second.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/api/v1/usage', headers: who.auth });

describe('API rate limits per tenant', () => {
  it('two instances share one limit: 5 a minute across both, then 429 rate_limited with Retry-After', async () => {
    const member = await tenantAllowing(5);

    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await onFirst(member), await onSecond(member));

    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(answers.slice(0, 5).map((a) => a.headers['ratelimit-remaining'])).toEqual(['4', '3', '2', '1', '0']);
    expect(answers[0]!.headers['ratelimit-limit']).toBe('5');
    const refused = answers[5]!;
    expectProblem(refused, 429, 'rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.headers['ratelimit-remaining']).toBe('0');
  });

  it('counts each tenant separately', async () => {
    const [busy, quiet] = [await tenantAllowing(1), await tenantAllowing(1)];

    expect((await onFirst(busy)).statusCode).toBe(200);
    expect((await onSecond(busy)).statusCode).toBe(429);
    expect((await onSecond(quiet)).statusCode).toBe(200);
  });

  it('public routes are not counted (health, the plans, the Stripe webhook, the widget)', async () => {
    const member = await tenantAllowing(1);
    for (let i = 0; i < 3; i++) {
      expect((await t.inject({ method: 'GET', url: '/api/v1/billing/plans' })).headers['ratelimit-limit']).toBeUndefined();
    }
    expect((await onFirst(member)).statusCode).toBe(200);
  });
});

describe('API rate limits per API key', () => {
  const withKey = (key: string) => t.inject({ method: 'GET', url: '/api/v1/usage', headers: { 'x-api-key': key } });

  async function createKey(admin: TestMember, body: Record<string, unknown>): Promise<{ key: string; rateLimitPerMinute: number | null }> {
    const res = await t.inject({ method: 'POST', url: '/api/v1/api-keys', headers: admin.auth, payload: { name: 'integration', scopes: ['usage:read'], ...body } });
    expect(res.statusCode).toBe(201);
    return res.json();
  }

  it('a key with its own rate is refused at it, without using up the tenant’s allowance; the tenant’s limit caps every key', async () => {
    const tenant = await t.makeTenant();
    await t.owner.query('update tenants set limit_overrides = $2 where id = $1', [tenant.id, JSON.stringify({ api_per_minute: 7 })]);
    const admin = await t.makeMember(tenant.id, 'admin');
    const slow = await createKey(admin, { rateLimitPerMinute: 2 }); // the tenant's 1st request
    const free = await createKey(admin, {}); // 2nd
    expect([slow.rateLimitPerMinute, free.rateLimitPerMinute]).toEqual([2, null]);

    const slowAnswers = [await withKey(slow.key), await withKey(slow.key), await withKey(slow.key), await withKey(slow.key)];
    expect(slowAnswers.map((a) => a.statusCode)).toEqual([200, 200, 429, 429]);
    expect(slowAnswers[1]!.headers['ratelimit-limit']).toBe('2'); // the tightest limit speaks: the key's
    expect(slowAnswers[1]!.headers['ratelimit-remaining']).toBe('0');
    expect(expectProblem(slowAnswers[2]!, 429, 'rate_limited')).toMatchObject({ limit: 2, throttler: 'api-key' });

    // 4 tenant requests so far (2 creations, 2 allowed for the slow key): the refused ones did not count.
    const freeAnswers = [await withKey(free.key), await withKey(free.key), await withKey(free.key), await withKey(free.key)];
    expect(freeAnswers.map((a) => a.statusCode)).toEqual([200, 200, 200, 429]);
    expect(freeAnswers[2]!.headers['ratelimit-remaining']).toBe('0');
    expect(expectProblem(freeAnswers[3]!, 429, 'rate_limited')).toMatchObject({ limit: 7, throttler: 'tenant' });
    expect(Number(freeAnswers[3]!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('refuses a rate that is not a positive integer', async () => {
    const tenant = await t.makeTenant();
    const admin = await t.makeMember(tenant.id, 'admin');
    for (const rateLimitPerMinute of [0, -1, 1.5, '10']) {
      const res = await t.inject({ method: 'POST', url: '/api/v1/api-keys', headers: admin.auth, payload: { name: 'x', scopes: ['usage:read'], rateLimitPerMinute } });
      expectProblem(res, 400, 'validation_failed');
    }
    expect((await t.owner.query('select count(*)::int as n from api_keys where tenant_id = $1', [tenant.id])).rows[0].n).toBe(0);
  });
});

describe('sign-in rate limits per IP and per account', () => {
  const login = (email: string, remoteAddress: string) =>
    t.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: 'not the password' }, remoteAddress });

  it('limits one account to SIGNIN_RATE_PER_ACCOUNT a minute, from any address', async () => {
    const email = `someone-${Date.now()}@example.test`;
    expect((await login(email, '10.1.0.1')).statusCode).toBe(401);
    expect((await login(email.toUpperCase(), '10.1.0.2')).statusCode).toBe(401);
    const refused = await login(email, '10.1.0.3');
    expect(expectProblem(refused, 429, 'rate_limited')).toMatchObject({ limit: 2, throttler: 'signin-account' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('limits one address to SIGNIN_RATE_PER_IP a minute, whatever the accounts', async () => {
    const answers = [];
    for (let i = 0; i < 7; i++) answers.push(await login(`user${i}-${Date.now()}@example.test`, '10.2.0.1'));
    expect(answers.map((a) => a.statusCode)).toEqual([401, 401, 401, 401, 401, 401, 429]);
    expect(expectProblem(answers[6]!, 429, 'rate_limited')).toMatchObject({ limit: 6, throttler: 'signin-ip' });
    expect((await login(`other-${Date.now()}@example.test`, '10.2.0.2')).statusCode).toBe(401); // another address
  });
});

describe('the public widget API per client IP', () => {
  it('limits /session and /chat together to WIDGET_RATE_PER_IP a minute per address, answering as the seed demo does', async () => {
    const tenant = await t.makeTenant();
    await t.owner.query("insert into assistant_configs (tenant_id, model, welcome_message, widget_enabled) values ($1, 'mock-1', 'Hi!', true)", [tenant.id]);
    const session = (remoteAddress: string) => t.inject({ method: 'POST', url: '/session', payload: { tenant_id: tenant.slug }, remoteAddress });

    const first = await session('10.3.0.1');
    expect(first.statusCode).toBe(200);
    const { session_id } = first.json<{ session_id: string }>();
    const chat = await t.inject({ method: 'POST', url: '/chat', payload: { tenant_id: tenant.slug, session_id, message: 'hello' }, remoteAddress: '10.3.0.1' });
    expect(chat.statusCode).toBe(200);
    expect((await session('10.3.0.1')).statusCode).toBe(200);

    const refused = await session('10.3.0.1');
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toEqual({ detail: 'Too many requests from this address; try again later' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await session('10.3.0.2')).statusCode).toBe(200); // another visitor
  });
});

describe('API calls are metered', () => {
  it('every authenticated request that passed the limits counts once, on whichever instance it reached', async () => {
    const member = await tenantAllowing(4);
    const answers = [await onFirst(member), await onSecond(member), await onFirst(member), await onSecond(member), await onFirst(member)];
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 429]);
    await t.app.get(ApiCallMeter, { strict: false }).flush();
    await second.get(ApiCallMeter, { strict: false }).flush();

    const { rows } = await t.owner.query("select used::int, reserved::int from usage_counters where tenant_id = $1 and metric = 'api_calls'", [member.tenantId]);
    expect(rows).toEqual([{ used: 4, reserved: 0 }]); // the refused one is not a call
    const daily = await t.owner.query("select amount::int from usage_daily where tenant_id = $1 and metric = 'api_calls'", [member.tenantId]);
    expect(daily.rows).toEqual([{ amount: 4 }]);
  });

  it('GET /usage reports them, and public routes are not API calls', async () => {
    const member = await tenantAllowing(100);
    await t.inject({ method: 'GET', url: '/api/v1/billing/plans' });
    await onFirst(member);
    await t.app.get(ApiCallMeter, { strict: false }).flush();
    const report = (await onFirst(member)).json<{ metrics: Array<{ metric: string; used: number; limit: number | null }> }>();
    expect(report.metrics.find((m) => m.metric === 'api_calls')).toEqual({ metric: 'api_calls', used: 1, reserved: 0, limit: null });
  });

  it('the count survives shutdown: the last calls are written when the app closes', async () => {
    const member = await tenantAllowing(100);
    const third = await createApp(t.config, { imports: [UsageModule] });
    await third.init();
    await third.getHttpAdapter().getInstance().ready();
    for (let i = 0; i < 3; i++) {
      expect((await third.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/api/v1/usage', headers: member.auth })).statusCode).toBe(200);
    }
    await third.close();
    const { rows } = await t.owner.query("select used::int from usage_counters where tenant_id = $1 and metric = 'api_calls'", [member.tenantId]);
    expect(rows).toEqual([{ used: 3 }]);
  });
});

describe('Redis down: rate limits fail open, and readiness says so', () => {
  it('lets authenticated and sign-in requests through uncounted, without RateLimit headers', async () => {
    const down = await createTestApp({ imports: [UsageModule], env: { REDIS_URL: 'redis://127.0.0.1:6390', SIGNIN_RATE_PER_ACCOUNT: '1' } }); // nothing listens there
    try {
      const tenant = await down.makeTenant();
      await down.owner.query('update tenants set limit_overrides = $2 where id = $1', [tenant.id, JSON.stringify({ api_per_minute: 1 })]);
      const member = await down.makeMember(tenant.id, 'member');
      for (let i = 0; i < 3; i++) {
        const res = await down.inject({ method: 'GET', url: '/api/v1/usage', headers: member.auth });
        expect(res.statusCode).toBe(200);
        expect(res.headers['ratelimit-limit']).toBeUndefined();
      }
      for (let i = 0; i < 2; i++) {
        expect((await down.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'x@example.test', password: 'wrong password' } })).statusCode).toBe(401);
      }

      const ready = await down.inject('/health/ready');
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toMatchObject({
        status: 'degraded',
        checks: { postgres: { status: 'up' }, redis: { status: 'down' } },
        rateLimits: { status: 'failing_open', since: expect.any(String), reason: expect.stringContaining('Redis is not connected') },
      });
      // 3 API requests and 2 sign-ins through the throttler, plus the sign-in backoff's own lookups.
      expect(ready.json().rateLimits.uncounted).toBeGreaterThanOrEqual(5);
      // The calls are still metered: metering is in PostgreSQL.
      await down.app.get(ApiCallMeter, { strict: false }).flush();
      const { rows } = await down.owner.query("select used::int from usage_counters where tenant_id = $1 and metric = 'api_calls'", [tenant.id]);
      expect(rows).toEqual([{ used: 3 }]);
    } finally {
      await down.close();
    }
  });
});
