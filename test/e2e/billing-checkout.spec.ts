import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BillingModule } from '../../src/modules/billing/billing.module.js';
import { FAKE_PRICES, type FakeStripe, startFakeStripe } from '../support/fake-stripe.js';
import { createTestApp, expectProblem, type TestApp } from '../support/http-app.js';
import { BillingWorld } from './billing-helpers.js';

/**
 * Checkout, the customer portal and the subscription view, through the real stripe library
 * against a local server that speaks Stripe's API (test/support/fake-stripe.ts).
 */

let t: TestApp;
let stripe: FakeStripe;
let world: BillingWorld;

beforeAll(async () => {
  stripe = await startFakeStripe();
  t = await createTestApp({ imports: [BillingModule], env: { ...stripe.env, APP_BASE_URL: 'https://app.tenantry.test' } });
  world = new BillingWorld(t);
});

afterAll(async () => {
  await world?.close();
  await t?.close();
  await stripe?.close();
});

const checkout = (headers: Record<string, string>, planId: unknown = 'pro') =>
  t.inject({ method: 'POST', url: '/api/v1/billing/checkout', headers, payload: { planId } });

const customerCreations = (tenantId: string) =>
  stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/customers' && (r.params.metadata as Record<string, string>)?.tenantId === tenantId);

describe('POST /api/v1/billing/checkout', () => {
  it('returns the URL of a subscription Checkout Session for the plan, one seat per member, the tenant id in every metadata', async () => {
    const tenant = await t.makeTenant({ name: 'Acme Billing' });
    const owner = await world.member(tenant.id, 'owner');
    await world.member(tenant.id, 'member');
    await world.member(tenant.id, 'admin');

    const res = await checkout(owner.headers);

    expect(res.statusCode).toBe(200);
    const { url } = res.json<{ url: string }>();
    expect(url).toMatch(/^https:\/\/checkout\.stripe\.test\/c\/pay\/cs_test_/);
    const session = [...stripe.checkoutSessions.values()].find((s) => url.endsWith(String(s.id)))!;
    const account = await world.account(tenant.id);
    expect(session).toMatchObject({
      mode: 'subscription',
      customer: account!.stripe_customer_id,
      client_reference_id: tenant.id,
      metadata: { tenantId: tenant.id, planId: 'pro' },
      success_url: 'https://app.tenantry.test/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}',
      cancel_url: 'https://app.tenantry.test/billing?checkout=cancelled',
      _request: {
        line_items: [{ price: FAKE_PRICES.pro, quantity: '3' }],
        subscription_data: { metadata: { tenantId: tenant.id, planId: 'pro' } },
      },
    });
    expect(stripe.customers.get(account!.stripe_customer_id)).toMatchObject({ name: 'Acme Billing', metadata: { tenantId: tenant.id, tenantSlug: tenant.slug } });
    expect(await world.audit(tenant.id, 'billing.checkout_started')).toEqual([
      expect.objectContaining({ actor_type: 'user', data: expect.objectContaining({ planId: 'pro', quantity: 3, sessionId: session.id }) }),
    ]);
  });

  it('creates the Stripe customer once and reuses it: two checkouts, one customer', async () => {
    const tenant = await t.makeTenant();
    const owner = await world.member(tenant.id, 'owner');

    expect((await checkout(owner.headers)).statusCode).toBe(200);
    await world.member(tenant.id, 'member'); // another seat: a different checkout, same customer
    expect((await checkout(owner.headers)).statusCode).toBe(200);

    expect(customerCreations(tenant.id)).toHaveLength(1);
    const customer = (await world.account(tenant.id))!.stripe_customer_id;
    const sessions = [...stripe.checkoutSessions.values()].filter((s) => s.client_reference_id === tenant.id);
    expect(sessions.map((s) => s.customer)).toEqual([customer, customer]);
  });

  it('creates one customer even when two first checkouts race', async () => {
    const tenant = await t.makeTenant();
    const owner = await world.member(tenant.id, 'owner');
    const billing = await world.member(tenant.id, 'billing');

    const answers = await Promise.all([checkout(owner.headers), checkout(billing.headers)]);

    expect(answers.map((r) => r.statusCode)).toEqual([200, 200]);
    expect(customerCreations(tenant.id)).toHaveLength(1);
  });

  it('sends deterministic idempotency keys: a double click within the minute gets the same session back', async () => {
    const tenant = await t.makeTenant();
    const owner = await world.member(tenant.id, 'owner');

    const [first, second] = [await checkout(owner.headers), await checkout(owner.headers)];

    expect(second.json()).toEqual(first.json());
    const calls = stripe.requests.filter((r) => r.path === '/v1/checkout/sessions' && r.params.client_reference_id === tenant.id);
    expect(calls.map((c) => c.idempotencyKey)).toEqual([expect.stringMatching(new RegExp(`^checkout-${tenant.id}-pro-1-\\d+$`)), calls[0]!.idempotencyKey]);
    const customerCall = customerCreations(tenant.id)[0]!;
    expect(customerCall.idempotencyKey).toBe(`customer-${tenant.id}`);
  });

  it.each([
    ['the free plan', 'free', 400, 'plan_not_purchasable'],
    ['enterprise (sales-led: no price)', 'enterprise', 400, 'plan_not_purchasable'],
    ['an unknown plan', 'platinum', 400, 'unknown_plan'],
    ['no plan id at all', '', 400, 'validation_failed'],
  ] as const)('refuses %s with %s %s, and creates nothing at Stripe', async (_name, planId, status, code) => {
    const tenant = await t.makeTenant();
    const owner = await world.member(tenant.id, 'owner');
    const before = stripe.requests.length;

    expectProblem(await checkout(owner.headers, planId), status, code);
    expect(stripe.requests.length).toBe(before);
    expect(await world.account(tenant.id)).toBeUndefined();
  });

  it('refuses a tenant that already has a live subscription (409 subscription_exists: plan changes go through the portal)', async () => {
    const tenant = await t.makeTenant();
    const owner = await world.member(tenant.id, 'owner');
    await world.accountWithCustomer(stripe, tenant.id);
    await world.owner.query("update billing_accounts set stripe_subscription_id = 'sub_live', subscription_status = 'active' where tenant_id = $1", [tenant.id]);

    expect(expectProblem(await checkout(owner.headers), 409, 'subscription_exists')).toMatchObject({ subscriptionStatus: 'active' });
  });

  it('is forbidden to a member without billing:manage, and allowed to the billing role', async () => {
    const tenant = await t.makeTenant();
    const member = await world.member(tenant.id, 'member');
    const billing = await world.member(tenant.id, 'billing');

    expectProblem(await checkout(member.headers), 403, 'forbidden');
    expect(await world.account(tenant.id)).toBeUndefined();
    expect((await checkout(billing.headers)).statusCode).toBe(200);
  });

  it('needs authentication', async () => {
    expectProblem(await checkout({}), 401, 'unauthenticated');
  });

  it('answers 502 stripe_error when Stripe refuses, without a billing account half-made', async () => {
    const tenant = await t.makeTenant();
    const owner = await world.member(tenant.id, 'owner');
    stripe.failNext('POST', '/v1/customers', 400);

    expectProblem(await checkout(owner.headers), 502, 'stripe_error');
    expect(await world.account(tenant.id)).toBeUndefined();
    expect((await checkout(owner.headers)).statusCode).toBe(200); // and the next try works
  });
});

describe('POST /api/v1/billing/portal', () => {
  it('returns a customer portal URL for the tenant’s customer, coming back to the app', async () => {
    const tenant = await t.makeTenant();
    const owner = await world.member(tenant.id, 'owner');
    const customer = await world.accountWithCustomer(stripe, tenant.id);

    const res = await t.inject({ method: 'POST', url: '/api/v1/billing/portal', headers: owner.headers });

    expect(res.statusCode).toBe(200);
    expect(res.json<{ url: string }>().url).toMatch(/^https:\/\/billing\.stripe\.test\/p\/session\//);
    const call = stripe.requests.filter((r) => r.path === '/v1/billing_portal/sessions').at(-1)!;
    expect(call.params).toEqual({ customer, return_url: 'https://app.tenantry.test/billing' });
  });

  it('is 409 no_billing_account before any checkout', async () => {
    const tenant = await t.makeTenant();
    const owner = await world.member(tenant.id, 'owner');

    expectProblem(await t.inject({ method: 'POST', url: '/api/v1/billing/portal', headers: owner.headers }), 409, 'no_billing_account');
  });

  it('is forbidden to a member without billing:manage', async () => {
    const tenant = await t.makeTenant();
    const member = await world.member(tenant.id, 'member');
    await world.accountWithCustomer(stripe, tenant.id);

    expectProblem(await t.inject({ method: 'POST', url: '/api/v1/billing/portal', headers: member.headers }), 403, 'forbidden');
  });
});

describe('GET /api/v1/billing/subscription', () => {
  it('is the free plan and no subscription before any checkout', async () => {
    const tenant = await t.makeTenant();
    const billing = await world.member(tenant.id, 'billing');

    const res = await t.inject({ method: 'GET', url: '/api/v1/billing/subscription', headers: billing.headers });

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ plan: 'free', status: 'none', currentPeriodEnd: null, cancelAtPeriodEnd: false });
  });

  it('shows the subscription as last applied, with the grace period while past_due', async () => {
    const tenant = await t.makeTenant();
    const owner = await world.member(tenant.id, 'owner');
    await world.accountWithCustomer(stripe, tenant.id);
    await world.owner.query("update tenants set plan = 'pro' where id = $1", [tenant.id]);
    await world.owner.query(
      `update billing_accounts set stripe_subscription_id = 'sub_x', subscription_status = 'past_due', current_period_end = '2026-12-01T00:00:00Z',
              cancel_at_period_end = true, grace_until = '2026-11-29T00:00:00Z' where tenant_id = $1`,
      [tenant.id],
    );

    const res = await t.inject({ method: 'GET', url: '/api/v1/billing/subscription', headers: owner.headers });

    expect(res.json()).toEqual({
      plan: 'pro',
      status: 'past_due',
      currentPeriodEnd: '2026-12-01T00:00:00.000Z',
      cancelAtPeriodEnd: true,
      graceUntil: '2026-11-29T00:00:00.000Z',
    });
  });

  it('is forbidden to a plain member (billing:read)', async () => {
    const tenant = await t.makeTenant();
    const member = await world.member(tenant.id, 'member');

    expectProblem(await t.inject({ method: 'GET', url: '/api/v1/billing/subscription', headers: member.headers }), 403, 'forbidden');
  });
});

describe('a suspended tenant', () => {
  it('can still reach every billing route (paying is how it comes back), and nothing else', async () => {
    const tenant = await t.makeTenant();
    const owner = await world.member(tenant.id, 'owner');
    await world.suspend(tenant.id);

    expect((await t.inject({ method: 'GET', url: '/api/v1/billing/subscription', headers: owner.headers })).statusCode).toBe(200);
    expect((await checkout(owner.headers)).statusCode).toBe(200);
    expect((await t.inject({ method: 'POST', url: '/api/v1/billing/portal', headers: owner.headers })).statusCode).toBe(200);
    expectProblem(await t.inject({ method: 'GET', url: '/api/v1/tenant', headers: owner.headers }), 403, 'tenant_suspended');
  });
});
