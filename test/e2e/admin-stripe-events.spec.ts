import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Queue } from 'bullmq';
import { BillingModule } from '../../src/modules/billing/billing.module.js';
import { StripeInbox } from '../../src/modules/billing/inbox/stripe-inbox.repository.js';
import { BillingJobs, STRIPE_EVENTS_QUEUE, stripeEventJobId } from '../../src/modules/billing/jobs/billing-jobs.js';
import { AppQueues } from '../../src/platform/queue/app-queues.js';
import { checkoutSessionObject, FAKE_PRICES, type FakeStripe, startFakeStripe, stripeEvent } from '../support/fake-stripe.js';
import { createTestApp, expectProblem, type TestApp } from '../support/http-app.js';
import { BillingWorld, type Member, waitFor } from './billing-helpers.js';

/**
 * The Stripe inbox in the platform console: failed events listed with their error and attempts,
 * and a resend that runs the event through the webhook's own job once the cause is fixed
 * (docs/adr/0008). The cause here: a subscription whose price is no plan's (`unknown_price`), fixed
 * by changing the price at the fake Stripe.
 */

let t: TestApp;
let stripe: FakeStripe;
let world: BillingWorld;
let admin: Member;
let events: Queue;

beforeAll(async () => {
  stripe = await startFakeStripe();
  t = await createTestApp({ imports: [BillingModule], env: stripe.env });
  world = new BillingWorld(t);
  admin = await world.member((await t.makeTenant()).id, 'member', { platformAdmin: true });
  events = t.app.get(AppQueues).get(STRIPE_EVENTS_QUEUE)!;
});

afterAll(async () => {
  await world?.close();
  await t?.close();
  await stripe?.close();
});

const get = (url: string, member = admin) => t.inject({ method: 'GET', url, headers: member.headers });
const resend = (id: string, member = admin) => t.inject({ method: 'POST', url: `/api/v1/admin/stripe/events/${id}/retry`, headers: member.headers });
const jobState = async (eventId: string) => (await (await events.getJob(stripeEventJobId(eventId)))?.getState()) ?? 'missing';

interface InboxEvent {
  id: string;
  type: string;
  status: string;
  attempts: number;
  lastError: string | null;
  receivedAt: string;
  updatedAt: string;
}

/**
 * A checkout event for a tenant whose subscription has a price no plan sells: stored as the
 * webhook stores it, and run by a job with one attempt, which fails for good.
 */
async function failedEvent() {
  const tenant = await t.makeTenant();
  const customer = await world.accountWithCustomer(stripe, tenant.id);
  const subscription = stripe.createSubscription({ customer, price: 'price_nobodysells', status: 'active' });
  const event = stripeEvent('checkout.session.completed', checkoutSessionObject(customer, subscription.id));
  await t.app.get(StripeInbox).record(event);
  await t.app.get(BillingJobs).enqueueStripeEvent(event.id, 1);
  await waitFor(() => jobState(event.id), (state) => state === 'failed', 10_000, 'the event job to fail');
  return { tenant, subscription, event, fix: () => stripe.setSubscription(subscription.id, { price: FAKE_PRICES.pro }) };
}

describe('GET /api/v1/admin/stripe/events', () => {
  it('lists failed events, newest first, with their type, error, attempts and times', async () => {
    const first = await failedEvent();
    const second = await failedEvent();

    const res = await get('/api/v1/admin/stripe/events?status=failed');

    expect(res.statusCode).toBe(200);
    const data = res.json<{ data: InboxEvent[] }>().data;
    const ids = data.map((e) => e.id);
    expect(ids.indexOf(second.event.id)).toBeLessThan(ids.indexOf(first.event.id));
    expect(data.find((e) => e.id === first.event.id)).toEqual({
      id: first.event.id,
      type: 'checkout.session.completed',
      status: 'failed',
      attempts: 1,
      lastError: expect.stringContaining('sells no known plan'),
      created: expect.any(String),
      receivedAt: expect.any(String),
      updatedAt: expect.any(String),
      processedAt: null,
    });
    const row = data.find((e) => e.id === first.event.id)!;
    expect(new Date(row.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(row.receivedAt).getTime());
  });

  it('defaults to failed events, pages with a cursor, and filters by another status', async () => {
    await failedEvent();
    await failedEvent();

    const page1 = (await get('/api/v1/admin/stripe/events?limit=1')).json<{ data: InboxEvent[]; nextCursor: string }>();
    const page2 = (await get(`/api/v1/admin/stripe/events?limit=1&cursor=${page1.nextCursor}`)).json<{ data: InboxEvent[] }>();

    expect(page1.data).toHaveLength(1);
    expect(page2.data).toHaveLength(1);
    expect(page2.data[0]!.id).not.toBe(page1.data[0]!.id);
    expect([...page1.data, ...page2.data].every((e) => e.status === 'failed')).toBe(true);
    expect((await get('/api/v1/admin/stripe/events?status=processed')).json<{ data: InboxEvent[] }>().data.every((e) => e.status === 'processed')).toBe(true);
    expectProblem(await get('/api/v1/admin/stripe/events?status=lost'), 400, 'validation_failed');
    expectProblem(await get('/api/v1/admin/stripe/events?cursor=nonsense'), 400, 'invalid_cursor');
  });
});

describe('POST /api/v1/admin/stripe/events/{id}/retry', () => {
  it('after the cause is fixed, runs the event again through its job: applied once, the tenant on its plan', async () => {
    const { tenant, event, fix } = await failedEvent();
    fix();

    const res = await resend(event.id);

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: event.id, jobState: expect.stringMatching(/^(waiting|active|completed)$/) });
    expect(await world.processed(event.id)).toMatchObject({ status: 'processed', attempts: 2, last_error: null });
    expect((await world.tenant(tenant.id)).plan).toBe('pro');
    expect(await world.audit(tenant.id, 'tenant.plan_changed')).toHaveLength(1);
    expect((await get('/api/v1/admin/stripe/events')).json<{ data: InboxEvent[] }>().data.map((e) => e.id)).not.toContain(event.id);
    expectProblem(await resend(event.id), 409, 'stripe_event_not_failed'); // done: nothing more to resend
  });

  it('is idempotent: two resends before the job runs make one job and one application', async () => {
    const { tenant, event, fix } = await failedEvent();
    fix();
    await events.pause();
    try {
      expect((await resend(event.id)).json()).toEqual({ id: event.id, jobState: 'waiting' });
      expect((await resend(event.id)).json()).toEqual({ id: event.id, jobState: 'waiting' });
    } finally {
      await events.resume();
    }

    expect(await world.processed(event.id)).toMatchObject({ status: 'processed', attempts: 2 });
    expect(await world.audit(tenant.id, 'tenant.plan_changed')).toHaveLength(1);
  });

  it('an event waiting out its backoff after a failure runs at once when resent', async () => {
    const tenant = await t.makeTenant();
    const customer = await world.accountWithCustomer(stripe, tenant.id);
    const subscription = stripe.createSubscription({ customer, price: 'price_nobodysells', status: 'active' });
    const event = stripeEvent('checkout.session.completed', checkoutSessionObject(customer, subscription.id));
    expect((await world.deliver(event)).statusCode).toBe(200); // the webhook's job: 10 attempts, 2 s backoff doubling
    await waitFor(() => jobState(event.id), (state) => state === 'delayed', 10_000, 'the first attempt to fail');
    stripe.setSubscription(subscription.id, { price: FAKE_PRICES.pro });

    const res = await resend(event.id);

    expect(res.json<{ jobState: string }>().jobState).not.toBe('delayed');
    expect(await world.processed(event.id)).toMatchObject({ status: 'processed', attempts: 2 });
  });

  it('refuses an unknown event (404), an event not failed (409) and a malformed id (400)', async () => {
    const tenant = await t.makeTenant();
    const customer = await world.accountWithCustomer(stripe, tenant.id);
    const subscription = stripe.createSubscription({ customer, price: FAKE_PRICES.pro, status: 'active' });
    const applied = stripeEvent('checkout.session.completed', checkoutSessionObject(customer, subscription.id));
    await world.deliver(applied);
    await world.processed(applied.id);

    expectProblem(await resend('evt_nosuchevent'), 404, 'stripe_event_not_found');
    expectProblem(await resend(applied.id), 409, 'stripe_event_not_failed');
    expectProblem(await resend('not-an-event'), 400, 'validation_failed');
  });

  it('is for platform admins only: a tenant owner gets 403', async () => {
    const owner = await world.member((await t.makeTenant()).id, 'owner');

    expectProblem(await get('/api/v1/admin/stripe/events', owner), 403, 'platform_admin_required');
    expectProblem(await resend('evt_whatever', owner), 403, 'platform_admin_required');
  });
});
