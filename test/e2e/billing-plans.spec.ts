import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BillingModule } from '../../src/modules/billing/billing.module.js';
import { PlansService } from '../../src/modules/billing/plans/plans.service.js';
import { TenantContext } from '../../src/platform/context/tenant-context.js';
import { TenantDb } from '../../src/platform/db/tenant-db.js';
import { createTestApp, expectProblem, type TestApp } from '../support/http-app.js';
import { BillingWorld } from './billing-helpers.js';

/**
 * Plans as data: seeded by the migration, public to read, written only by the platform role, the
 * tenants' plan column bound to them, and each tenant's effective limits (plan + overrides).
 * This app has no Stripe keys: plans work without them, the rest of billing answers 503.
 */

let t: TestApp;
let world: BillingWorld;

beforeAll(async () => {
  t = await createTestApp({ imports: [BillingModule], env: { STRIPE_PRICE_ENTERPRISE: 'price_enterprisedeal' } });
  world = new BillingWorld(t);
});

afterAll(async () => {
  await world?.close();
  await t?.close();
});

describe('GET /api/v1/billing/plans', () => {
  it('is public and lists free, pro and enterprise with their limits, cheapest first', async () => {
    const res = await t.inject({ method: 'GET', url: '/api/v1/billing/plans' });

    expect(res.statusCode).toBe(200);
    const plans = res.json<Array<{ id: string; name: string; selfServe: boolean; limits: Record<string, unknown> }>>();
    expect(plans.map((p) => p.id)).toEqual(['free', 'pro', 'enterprise']);
    for (const plan of plans) {
      expect(plan.limits).toEqual({
        seats: expect.any(Number),
        messages_per_month: expect.any(Number),
        tokens_per_month: expect.any(Number),
        chat_per_10s: expect.any(Number),
        api_per_minute: expect.any(Number),
        allowed_models: expect.any(Array),
      });
    }
    const [free, pro, enterprise] = plans;
    expect(free!.limits.seats as number).toBeLessThan(pro!.limits.seats as number);
    expect(pro!.limits.messages_per_month as number).toBeLessThan(enterprise!.limits.messages_per_month as number);
    expect(free!.limits.allowed_models).toEqual(['mock-1', 'mock-2', 'mock-3']);
  });

  it('says which plans sell through Checkout: none for free, an environment override makes enterprise self-serve', async () => {
    const plans = (await t.inject({ method: 'GET', url: '/api/v1/billing/plans' })).json<Array<{ id: string; selfServe: boolean }>>();

    // No STRIPE_PRICE_PRO here and no price in the table: pro is not sold in this environment.
    expect(Object.fromEntries(plans.map((p) => [p.id, p.selfServe]))).toEqual({ free: false, pro: false, enterprise: true });
  });
});

describe('without Stripe keys', () => {
  it.each([
    ['POST', '/api/v1/billing/checkout', { planId: 'pro' }],
    ['POST', '/api/v1/billing/portal', undefined],
    ['GET', '/api/v1/billing/subscription', undefined],
  ] as const)('%s %s answers 503 billing_not_configured', async (method, url, payload) => {
    const tenant = await t.makeTenant();
    const owner = await world.member(tenant.id, 'owner');

    const res = await t.inject({ method, url, headers: owner.headers, ...(payload && { payload }) });

    expectProblem(res, 503, 'billing_not_configured');
  });

  it('a webhook delivery answers 503 too (nothing can verify it), and nothing is stored', async () => {
    const res = await t.inject({ method: 'POST', url: '/api/v1/billing/webhooks', headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=x' }, payload: '{"id":"evt_x"}' });

    expectProblem(res, 503, 'billing_not_configured');
    expect((await world.owner.query('select count(*)::int as n from stripe_events')).rows[0].n).toBe(0);
  });
});

describe('effective limits', () => {
  const limitsOf = (tenantId: string) => t.app.get(TenantContext).run({ tenantId }, () => t.app.get(PlansService).effectiveLimits());

  it("are the plan's limits when the tenant has no overrides", async () => {
    const tenant = await t.makeTenant();
    await world.owner.query("update tenants set plan = 'pro' where id = $1", [tenant.id]);
    const { rows } = await world.owner.query("select limits from plans where id = 'pro'");

    expect(await limitsOf(tenant.id)).toEqual({ plan: 'pro', ...rows[0].limits });
  });

  it('take each override over the plan, key by key, and ignore malformed or unknown ones', async () => {
    const tenant = await t.makeTenant();
    await world.owner.query('update tenants set limit_overrides = $2 where id = $1', [
      tenant.id,
      JSON.stringify({ chat_per_10s: 8, seats: 50, allowed_models: ['llama3'], tokens_per_month: 'lots', color: 'blue' }),
    ]);
    const free = (await world.owner.query("select limits from plans where id = 'free'")).rows[0].limits;

    expect(await limitsOf(tenant.id)).toEqual({ ...free, plan: 'free', chat_per_10s: 8, seats: 50, allowed_models: ['llama3'] });
  });

  it('can be asked for another tenant by id (what the quota code does for a job or webhook)', async () => {
    const tenant = await t.makeTenant();
    await world.owner.query("update tenants set plan = 'enterprise' where id = $1", [tenant.id]);

    const limits = await t.app.get(PlansService).effectiveLimits(tenant.id);

    expect(limits.plan).toBe('enterprise');
    expect(limits.allowed_models).toEqual(['*']);
  });
});

describe('the plans table', () => {
  it('is bound to tenants.plan: a tenant cannot be put on a plan that does not exist', async () => {
    const tenant = await t.makeTenant();

    await expect(world.owner.query("update tenants set plan = 'platinum' where id = $1", [tenant.id])).rejects.toThrow(/tenants_plan_fkey/);
    expect((await world.tenant(tenant.id)).plan).toBe('free');
  });

  it('is read-only for the tenant-facing role', async () => {
    const db = t.app.get(TenantDb);

    await expect(db.client.plan.update({ where: { id: 'free' }, data: { name: 'Free forever' } })).rejects.toThrow(/permission denied|42501/);
    await expect(db.client.plan.create({ data: { id: 'cheap', name: 'Cheap', limits: {} } })).rejects.toThrow(/permission denied|42501/);
    expect((await db.client.plan.findUnique({ where: { id: 'free' }, select: { name: true } }))?.name).toBe('Free');
  });

  it('and the Stripe inbox is out of its reach entirely', async () => {
    const tenant = await t.makeTenant();
    const db = t.app.get(TenantDb);

    await expect(t.app.get(TenantContext).run({ tenantId: tenant.id }, () => db.client.stripeEvent.findMany())).rejects.toThrow(/permission denied|42501/);
  });
});
