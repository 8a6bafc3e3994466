import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { UsageModule } from '../../src/modules/usage/usage.module.js';
import { createApp } from '../../src/bootstrap.js';
import { createTestApp, expectProblem, type TestApp, type TestMember } from '../support/http-app.js';

/**
 * API requests per minute come from the tenant's plan (api_per_minute) and are counted in Redis:
 * two server instances on the same database and Redis share one limit. Over it: 429 problem+json
 * rate_limited with Retry-After; every counted answer carries RateLimit-* headers.
 */

let t: TestApp;
let second: NestFastifyApplication;

beforeAll(async () => {
  t = await createTestApp({ imports: [UsageModule] });
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
