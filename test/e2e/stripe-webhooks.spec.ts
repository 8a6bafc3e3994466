import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BillingModule } from '../../src/modules/billing/billing.module.js';
import {
  checkoutSessionObject,
  FAKE_PRICES,
  type FakeStripe,
  invoiceObject,
  signatureHeader,
  startFakeStripe,
  stripeEvent,
} from '../support/fake-stripe.js';
import { createTestApp, expectProblem, type TestApp, type TestTenant } from '../support/http-app.js';
import { BillingWorld } from './billing-helpers.js';

/**
 * POST /api/v1/billing/webhooks and the job behind it, with real signed deliveries
 * (stripe.webhooks.generateTestHeaderString) and the real stripe library re-fetching
 * subscriptions from a local server that speaks Stripe's API. The job runs in this process
 * (WORKER_ENABLED defaults to true).
 */

let t: TestApp;
let stripe: FakeStripe;
let world: BillingWorld;

beforeAll(async () => {
  stripe = await startFakeStripe();
  t = await createTestApp({ imports: [BillingModule], env: { ...stripe.env, PAST_DUE_GRACE_DAYS: '7' } });
  world = new BillingWorld(t);
});

afterAll(async () => {
  await world?.close();
  await t?.close();
  await stripe?.close();
});

const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const DAY = 86_400_000;

/** A tenant with a billing account (its Stripe customer) and a subscription Stripe holds. */
async function subscribedTenant(status: 'active' | 'past_due' | 'unpaid' = 'active', plan = 'pro') {
  const tenant = await t.makeTenant();
  const customer = await world.accountWithCustomer(stripe, tenant.id);
  const subscription = stripe.createSubscription({ customer, price: FAKE_PRICES.pro, status, metadata: { tenantId: tenant.id } });
  await world.owner.query("update tenants set plan = $2 where id = $1", [tenant.id, plan]);
  await world.owner.query('update billing_accounts set stripe_subscription_id = $2, subscription_status = $3 where tenant_id = $1', [
    tenant.id,
    subscription.id,
    status,
  ]);
  return { tenant, customer, subscription };
}

const subscriptionUpdated = (subscription: { id: string; customer: unknown }, created?: number, claims: object = {}) =>
  stripeEvent('customer.subscription.updated', { id: subscription.id, object: 'subscription', customer: subscription.customer, ...claims }, { created });

async function inboxCount(): Promise<number> {
  return (await world.owner.query('select count(*)::int as n from stripe_events')).rows[0].n as number;
}

describe('signature verification (on the raw body, 300 s tolerance)', () => {
  let tenant: TestTenant;
  let customer: string;
  let subscriptionId: string;

  beforeAll(async () => {
    ({ tenant, customer, subscription: { id: subscriptionId } } = await subscribedTenant('active', 'free'));
  });

  const event = () => stripeEvent('checkout.session.completed', checkoutSessionObject(customer, subscriptionId));

  it.each([
    ['signed with another secret', { secret: 'whsec_somebodyelse' }],
    ['signed more than 300 s ago (a replay)', { timestamp: nowSeconds() - 301 }],
    ['without a signature', { signature: '' }],
    ['with a signature header in the wrong format', { signature: 'v1=deadbeef' }],
  ])('a delivery %s is 400 invalid_signature, stores nothing and changes nothing', async (_name, options) => {
    const before = await inboxCount();

    const res = await world.deliver(event(), options);

    expectProblem(res, 400, 'invalid_signature');
    expect(await inboxCount()).toBe(before);
    expect((await world.tenant(tenant.id)).plan).toBe('free');
  });

  it('a body changed after signing is refused', async () => {
    const original = JSON.stringify(event());
    const forged = original.replace('"livemode": false', '"livemode": true').replace('"livemode":false', '"livemode":true');

    const res = await t.inject({
      method: 'POST',
      url: '/api/v1/billing/webhooks',
      headers: { 'content-type': 'application/json', 'stripe-signature': signatureHeader(original) },
      payload: forged,
    });

    expectProblem(res, 400, 'invalid_signature');
  });

  it('the same bytes re-serialised differently (what a parsed-then-stringified body would be) are refused: the raw body is what counts', async () => {
    const body = event();
    const pretty = JSON.stringify(body, null, 2);

    const res = await t.inject({
      method: 'POST',
      url: '/api/v1/billing/webhooks',
      headers: { 'content-type': 'application/json', 'stripe-signature': signatureHeader(pretty) },
      payload: JSON.stringify(body),
    });

    expectProblem(res, 400, 'invalid_signature');
  });

  it('a delivery signed 290 s ago is accepted (the control for the replay case)', async () => {
    const res = await world.deliver(event(), { timestamp: nowSeconds() - 290 });

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: true });
  });

  it('an event type the server does not handle is acknowledged and not stored', async () => {
    const before = await inboxCount();

    const res = await world.deliver(stripeEvent('charge.succeeded', { id: 'ch_1', object: 'charge', customer }));

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: true, ignored: true });
    expect(await inboxCount()).toBe(before);
  });

  it('a body over the body limit is 413, like on any route', async () => {
    const huge = stripeEvent('checkout.session.completed', { ...checkoutSessionObject(customer, subscriptionId), padding: 'x'.repeat(1_100_000) });

    expectProblem(await world.deliver(huge), 413, 'payload_too_large');
  });
});

describe('applying events', () => {
  it('checkout.session.completed puts the tenant on the plan of the subscription Stripe holds, audited by the system', async () => {
    const { tenant, customer, subscription } = await subscribedTenant('active', 'free');
    const event = stripeEvent('checkout.session.completed', checkoutSessionObject(customer, subscription.id, { tenantId: tenant.id }));

    const res = await world.deliver(event);

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: true });
    expect(await world.processed(event.id)).toMatchObject({ type: 'checkout.session.completed', status: 'processed', attempts: 1, last_error: null });
    expect(await world.tenant(tenant.id)).toMatchObject({ plan: 'pro', status: 'active' });
    expect(await world.account(tenant.id)).toMatchObject({ stripe_subscription_id: subscription.id, subscription_status: 'active', last_event_id: event.id });
    expect(await world.audit(tenant.id, 'tenant.plan_changed')).toEqual([
      { action: 'tenant.plan_changed', actor_type: 'system', data: expect.objectContaining({ from: 'free', to: 'pro', source: 'stripe', eventId: event.id }) },
    ]);
    expect(stripe.requests.some((r) => r.method === 'GET' && r.path === `/v1/subscriptions/${subscription.id}`)).toBe(true);
  });

  it('trusts the payload for ids only: the subscription is re-fetched, whatever status and price the payload claims', async () => {
    const { tenant, subscription } = await subscribedTenant('active', 'pro');
    stripe.setSubscription(subscription.id, { status: 'past_due' });
    const lie = subscriptionUpdated(subscription, undefined, { status: 'active', items: { data: [{ price: { id: FAKE_PRICES.enterprise } }] } });

    await world.deliver(lie);
    await world.processed(lie.id);

    expect(await world.tenant(tenant.id)).toMatchObject({ plan: 'pro', status: 'active' });
    const account = await world.account(tenant.id);
    expect(account).toMatchObject({ subscription_status: 'past_due' });
    expect(account!.grace_until!.getTime()).toBeGreaterThan(Date.now() + 6 * DAY);
  });

  it('the same event delivered twice at once is stored once and applied once', async () => {
    const { tenant, customer, subscription } = await subscribedTenant('active', 'free');
    const event = stripeEvent('checkout.session.completed', checkoutSessionObject(customer, subscription.id));

    const answers = await Promise.all([world.deliver(event), world.deliver(event)]);

    expect(answers.map((r) => r.statusCode)).toEqual([200, 200]);
    expect(answers.map((r) => r.json<{ duplicate?: boolean }>().duplicate ?? false).sort()).toEqual([false, true]);
    expect(await world.inbox(event.id)).toHaveLength(1);
    expect(await world.processed(event.id)).toMatchObject({ status: 'processed', attempts: 1 });
    expect(await world.audit(tenant.id, 'tenant.plan_changed')).toHaveLength(1);
  });

  it('a redelivery after processing is acknowledged as a duplicate and has no second effect', async () => {
    const { tenant, customer, subscription } = await subscribedTenant('active', 'free');
    const event = stripeEvent('checkout.session.completed', checkoutSessionObject(customer, subscription.id));
    await world.deliver(event);
    await world.processed(event.id);
    await world.owner.query("update tenants set plan = 'free' where id = $1", [tenant.id]); // would be undone by a second application

    const again = await world.deliver(event);

    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ received: true, duplicate: true });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await world.inbox(event.id))[0]).toMatchObject({ status: 'processed', attempts: 1 });
    expect((await world.tenant(tenant.id)).plan).toBe('free');
  });

  it('events out of order end in the state Stripe holds: an older event after a newer one is ignored', async () => {
    const { tenant, subscription } = await subscribedTenant('active', 'pro');
    stripe.setSubscription(subscription.id, { status: 'past_due' }); // what Stripe holds now (t2)
    const t1 = nowSeconds() - 60;
    const olderActive = subscriptionUpdated(subscription, t1, { status: 'active' });
    const newerPastDue = subscriptionUpdated(subscription, t1 + 30, { status: 'past_due' });

    await world.deliver(newerPastDue);
    await world.processed(newerPastDue.id);
    await world.deliver(olderActive);

    expect(await world.processed(olderActive.id)).toMatchObject({ status: 'ignored', last_error: 'stale' });
    const account = await world.account(tenant.id);
    expect(account).toMatchObject({ subscription_status: 'past_due', last_event_id: newerPastDue.id });
    expect(account!.grace_until).not.toBeNull();
    expect(await world.tenant(tenant.id)).toMatchObject({ plan: 'pro', status: 'active' });
  });

  it('customer.subscription.deleted (canceled at Stripe) returns the tenant to free', async () => {
    const { tenant, subscription } = await subscribedTenant('active', 'pro');
    stripe.setSubscription(subscription.id, { status: 'canceled' });
    const event = stripeEvent('customer.subscription.deleted', { id: subscription.id, object: 'subscription', customer: subscription.customer, status: 'canceled' });

    await world.deliver(event);
    await world.processed(event.id);

    expect(await world.tenant(tenant.id)).toMatchObject({ plan: 'free', status: 'active' });
    expect(await world.audit(tenant.id, 'tenant.plan_changed')).toEqual([expect.objectContaining({ data: expect.objectContaining({ from: 'pro', to: 'free' }) })]);
  });

  it('invoice.payment_failed (past_due at Stripe) starts the grace period, audited, and the tenant keeps its plan meanwhile', async () => {
    const { tenant, customer, subscription } = await subscribedTenant('active', 'pro');
    stripe.setSubscription(subscription.id, { status: 'past_due' });
    const invoice = invoiceObject(customer, subscription.id) as { id: string };
    const event = stripeEvent('invoice.payment_failed', invoice);

    await world.deliver(event);
    await world.processed(event.id);

    const account = await world.account(tenant.id);
    expect(account!.grace_until!.getTime()).toBeGreaterThan(Date.now() + 7 * DAY - 60_000);
    expect(account!.grace_until!.getTime()).toBeLessThan(Date.now() + 7 * DAY + 60_000);
    expect(await world.tenant(tenant.id)).toMatchObject({ plan: 'pro', status: 'active' });
    expect(await world.audit(tenant.id, 'billing.payment_failed')).toEqual([
      expect.objectContaining({ actor_type: 'system', data: expect.objectContaining({ invoiceId: invoice.id, subscriptionStatus: 'past_due' }) }),
    ]);
    expect(await world.audit(tenant.id, 'billing.grace_started')).toHaveLength(1);
  });

  it('unpaid suspends the tenant at once (reason billing); its members keep billing and lose the rest', async () => {
    const { tenant, subscription } = await subscribedTenant('past_due', 'pro');
    const owner = await world.member(tenant.id, 'owner');
    stripe.setSubscription(subscription.id, { status: 'unpaid' });
    const event = subscriptionUpdated(subscription);

    await world.deliver(event);
    await world.processed(event.id);

    expect((await world.tenant(tenant.id)).status).toBe('suspended');
    expect(await world.audit(tenant.id, 'tenant.suspended')).toEqual([expect.objectContaining({ data: expect.objectContaining({ reason: 'billing', subscriptionStatus: 'unpaid' }) })]);
    expectProblem(await t.inject({ method: 'GET', url: '/api/v1/tenant', headers: owner.headers }), 403, 'tenant_suspended');
    const view = await t.inject({ method: 'GET', url: '/api/v1/billing/subscription', headers: owner.headers });
    expect(view.json()).toMatchObject({ plan: 'pro', status: 'unpaid' });
  });

  it('invoice.paid (active at Stripe) clears the grace period and resumes a tenant that billing suspended', async () => {
    const { tenant, customer, subscription } = await subscribedTenant('unpaid', 'pro');
    await world.owner.query("update tenants set status = 'suspended', suspended_at = '2026-11-01T00:00:00Z' where id = $1", [tenant.id]);
    await world.owner.query("update billing_accounts set grace_until = '2026-10-30T00:00:00Z', billing_suspended_at = '2026-11-01T00:00:00Z' where tenant_id = $1", [tenant.id]);
    stripe.setSubscription(subscription.id, { status: 'active' });
    const event = stripeEvent('invoice.paid', invoiceObject(customer, subscription.id));

    await world.deliver(event);
    await world.processed(event.id);

    expect(await world.tenant(tenant.id)).toMatchObject({ status: 'active', suspended_at: null, plan: 'pro' });
    expect(await world.account(tenant.id)).toMatchObject({ subscription_status: 'active', grace_until: null, billing_suspended_at: null });
    expect(await world.audit(tenant.id, 'tenant.resumed')).toEqual([expect.objectContaining({ data: expect.objectContaining({ reason: 'billing' }) })]);
  });

  it('invoice.paid does not lift a suspension that an administrator made', async () => {
    const { tenant, customer, subscription } = await subscribedTenant('active', 'pro');
    await world.suspend(tenant.id);
    const event = stripeEvent('invoice.paid', invoiceObject(customer, subscription.id));

    await world.deliver(event);
    await world.processed(event.id);

    expect((await world.tenant(tenant.id)).status).toBe('suspended');
    expect(await world.audit(tenant.id, 'tenant.resumed')).toEqual([]);
  });

  it("an event about a customer that is no tenant's is acknowledged and ignored", async () => {
    const stranger = stripe.createSubscription({ customer: 'cus_nobodyweknow', price: FAKE_PRICES.pro });
    const event = subscriptionUpdated(stranger);

    expect((await world.deliver(event)).statusCode).toBe(200);
    expect(await world.processed(event.id)).toMatchObject({ status: 'ignored', last_error: expect.stringContaining('cus_nobodyweknow') });
  });

  it('when Stripe fails, the job retries with backoff until the event applies', async () => {
    const { tenant, customer, subscription } = await subscribedTenant('active', 'free');
    stripe.failNext('GET', `/v1/subscriptions/${subscription.id}`, 500, 3); // the library's own 2 retries, then the job's first attempt fails
    const event = stripeEvent('checkout.session.completed', checkoutSessionObject(customer, subscription.id));

    await world.deliver(event);

    expect(await world.processed(event.id, 25_000)).toMatchObject({ status: 'processed', attempts: 2, last_error: null });
    expect((await world.tenant(tenant.id)).plan).toBe('pro');
    expect(stripe.count('GET', `/v1/subscriptions/${subscription.id}`)).toBe(4);
  });
});

describe('when the inbox cannot be written', () => {
  it('the webhook answers 503 so that Stripe delivers again, and the redelivery is stored and applied', async () => {
    const { tenant, customer, subscription } = await subscribedTenant('active', 'free');
    const event = stripeEvent('checkout.session.completed', checkoutSessionObject(customer, subscription.id));
    await world.owner.query('alter table stripe_events rename to stripe_events_away');
    let res;
    try {
      res = await world.deliver(event);
    } finally {
      await world.owner.query('alter table stripe_events_away rename to stripe_events');
    }

    expectProblem(res, 503, 'inbox_unavailable');
    expect(await world.inbox(event.id)).toEqual([]);
    expect((await world.tenant(tenant.id)).plan).toBe('free');

    expect((await world.deliver(event)).statusCode).toBe(200);
    await world.processed(event.id);
    expect((await world.tenant(tenant.id)).plan).toBe('pro');
  });
});
