import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { createApp } from '../../src/bootstrap.js';
import { UsageModule } from '../../src/modules/usage/usage.module.js';
import { RateLimitHealth } from '../../src/platform/rate-limit/rate-limit-health.js';
import { createTestApp, DEFAULT_PASSWORD, type TestApp } from '../support/http-app.js';

/**
 * Issue 9, section 5: at any concurrency, across instances, exactly the limit gets through in a
 * window. For each limiter, 2,000 requests at concurrency 32, alternating between two application
 * instances (same database, same Redis), all within one minute: exactly LIMIT are let through and
 * every other one is 429. A limiter that resets its window under concurrency (the old fixed window
 * with a 1 ms block let 2,144 of 60 through) or counts non-atomically fails this.
 */

const LIMIT = 60;
const REQUESTS = 2_000;
const CONCURRENCY = 32;

let t: TestApp;
let second: NestFastifyApplication;

beforeAll(async () => {
  // Exactness, not failing open, is under test: on a saturated machine a blocked event loop can
  // fire the Redis time-out before Redis's answer is read, and the request then passes uncounted.
  const env = { SIGNIN_RATE_PER_IP: String(LIMIT), SIGNIN_RATE_PER_ACCOUNT: String(LIMIT), WIDGET_RATE_PER_IP: String(LIMIT), RATE_LIMIT_TIMEOUT_MS: '5000' };
  t = await createTestApp({ imports: [UsageModule], env });
  second = await createApp(t.config, { imports: [UsageModule] });
  await second.init();
  await second.getHttpAdapter().getInstance().ready();
  // A decision that cannot reach Redis in time lets its request through uncounted, by design
  // (fail open, ADR 0009): such requests are counted here, so that exactness is checked for all others.
  for (const app of [t.app, second]) {
    const health = app.get(RateLimitHealth);
    const failedOpen = health.failedOpen.bind(health);
    health.failedOpen = (source: string, reason: string) => {
      passedUncounted.push(`${source}: ${reason}`);
      return failedOpen(source, reason);
    };
  }
}, 60_000);

const passedUncounted: string[] = [];
afterAll(async () => {
  await second?.close();
  await t?.close();
});

/** Sends `REQUESTS` requests (the i-th built by `build(i)`), `CONCURRENCY` at a time, instance by instance in turn; counts the statuses. */
async function burst(build: (i: number) => InjectOptions): Promise<Record<number, number>> {
  const instances = [(o: InjectOptions) => t.inject(o), (o: InjectOptions) => second.getHttpAdapter().getInstance().inject(o)];
  const statuses: Record<number, number> = {};
  let next = 0;
  const worker = async () => {
    while (next < REQUESTS) {
      const i = next++;
      const res: LightMyRequestResponse = await instances[i % 2]!(build(i));
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
    }
  };
  const started = Date.now();
  const uncountedBefore = passedUncounted.length;
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const uncounted = passedUncounted.slice(uncountedBefore);
  console.log(`${REQUESTS} requests, concurrency ${CONCURRENCY}, 2 instances, ${Date.now() - started} ms: ${JSON.stringify(statuses)}; failed open: ${uncounted.length} ${[...new Set(uncounted)].join('; ')}`);
  // Every request that failed open took no slot, so one more was let through: none on a calm machine.
  expect(uncounted.length).toBeLessThan(REQUESTS / 20);
  return { ...statuses, [200]: (statuses[200] ?? 0) - uncounted.length, [429]: (statuses[429] ?? 0) + uncounted.length };
}

/** The statuses once the requests that failed open are set aside as if refused: exactly the limit got through. */
const exactlyTheLimit = { [200]: LIMIT, [429]: REQUESTS - LIMIT };

describe('every limiter lets exactly its limit through under concurrency, across two instances', () => {
  it('tenant: api_per_minute 60', async () => {
    const tenant = await t.makeTenant();
    await t.owner.query('update tenants set limit_overrides = $2 where id = $1', [tenant.id, JSON.stringify({ api_per_minute: LIMIT })]);
    const member = await t.makeMember(tenant.id, 'member');

    expect(await burst(() => ({ method: 'GET', url: '/api/v1/usage', headers: member.auth }))).toEqual(exactlyTheLimit);
  }, 120_000);

  it('API key: its own 60 a minute, under a plan that would allow far more', async () => {
    const tenant = await t.makeTenant();
    await t.owner.query('update tenants set limit_overrides = $2 where id = $1', [tenant.id, JSON.stringify({ api_per_minute: 100_000 })]);
    const admin = await t.makeMember(tenant.id, 'admin');
    const created = await t.inject({ method: 'POST', url: '/api/v1/api-keys', headers: admin.auth, payload: { name: 'burst', scopes: ['usage:read'], rateLimitPerMinute: LIMIT } });
    expect(created.statusCode).toBe(201);
    const { key } = created.json<{ key: string }>();

    expect(await burst(() => ({ method: 'GET', url: '/api/v1/usage', headers: { 'x-api-key': key } }))).toEqual(exactlyTheLimit);
  }, 120_000);

  it('sign-in per IP: 60 a minute from one address, over accounts that each stay under their own limit', async () => {
    const tenant = await t.makeTenant();
    const users = await Promise.all(Array.from({ length: 40 }, () => t.makeUser()));
    await Promise.all(users.map((u) => t.makeMember(tenant.id, 'member', u)));

    const statuses = await burst((i) => ({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: users[i % users.length]!.email, password: DEFAULT_PASSWORD },
      remoteAddress: '10.9.0.1',
    }));
    expect(statuses).toEqual(exactlyTheLimit);
  }, 120_000);

  it('sign-in per account: 60 a minute for one account, whatever the addresses', async () => {
    const tenant = await t.makeTenant();
    const member = await t.makeMember(tenant.id, 'member');

    const statuses = await burst((i) => ({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: member.email, password: DEFAULT_PASSWORD },
      remoteAddress: `10.10.${Math.floor(i / 250)}.${i % 250}`,
    }));
    expect(statuses).toEqual(exactlyTheLimit);
  }, 120_000);

  it('widget per IP: 60 a minute from one address', async () => {
    const tenant = await t.makeTenant();
    await t.owner.query("insert into assistant_configs (tenant_id, model, welcome_message, widget_enabled) values ($1, 'mock-1', 'Hi!', true)", [tenant.id]);

    expect(await burst(() => ({ method: 'POST', url: '/session', payload: { tenant_id: tenant.slug }, remoteAddress: '10.11.0.1' }))).toEqual(exactlyTheLimit);
  }, 120_000);

  it("widget per IP on /chat, counted at the edge together with the tenant's chat_per_10s (one script), after each instance's first requests went the usual way", async () => {
    const tenant = await t.makeTenant();
    await t.owner.query('update tenants set limit_overrides = $2 where id = $1', [tenant.id, { chat_per_10s: 100_000 }]);
    await t.owner.query("insert into assistant_configs (tenant_id, model, welcome_message, widget_enabled) values ($1, 'mock-1', 'Hi!', true)", [tenant.id]);
    const session = await t.inject({ method: 'POST', url: '/session', payload: { tenant_id: tenant.slug }, remoteAddress: '10.11.0.2' });
    expect(session.statusCode).toBe(200);
    const payload = { tenant_id: tenant.slug, session_id: session.json<{ session_id: string }>().session_id, message: 'hello' };

    expect(await burst(() => ({ method: 'POST', url: '/chat', payload, remoteAddress: '10.11.0.3' }))).toEqual(exactlyTheLimit);
  }, 120_000);
});
