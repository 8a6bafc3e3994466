import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Job, Queue } from 'bullmq';
import type Stripe from 'stripe';
import { BillingModule } from '../../src/modules/billing/billing.module.js';
import { StripeInbox } from '../../src/modules/billing/inbox/stripe-inbox.repository.js';
import {
  BillingJobs,
  INBOX_SWEEP_EVERY_MS,
  INBOX_SWEEP_JOB,
  INBOX_SWEEP_SCHEDULER,
  STRIPE_EVENTS_QUEUE,
  STRIPE_INBOX_QUEUE,
  stripeEventJobId,
} from '../../src/modules/billing/jobs/billing-jobs.js';
import type { SweepOutcome } from '../../src/modules/billing/sync/stripe-inbox-sweep.service.js';
import { AppQueues } from '../../src/platform/queue/app-queues.js';
import { checkoutSessionObject, FAKE_PRICES, type FakeStripe, startFakeStripe, stripeEvent } from '../support/fake-stripe.js';
import { createTestApp, type TestApp } from '../support/http-app.js';
import { BillingWorld, waitFor } from './billing-helpers.js';

/**
 * The Stripe inbox sweep (a repeatable job on `billing-stripe-inbox`): an event stored but never
 * applied is enqueued again once it is STRIPE_EVENTS_REQUEUE_AFTER_MINUTES old (here: backdated),
 * an event whose job is still queued is left to it, nothing applies twice, the attempt budget
 * (STRIPE_EVENTS_MAX_ATTEMPTS, 12 here) ends in a failed event, and applied or ignored events
 * older than STRIPE_EVENTS_RETENTION_DAYS are deleted, unapplied ones never. Real Postgres,
 * Redis and BullMQ; Stripe is the local fake.
 */

const MAX_ATTEMPTS = 12;

let t: TestApp;
let stripe: FakeStripe;
let world: BillingWorld;
let eventsQueue: Queue;
let sweepQueue: Queue;
/** The scheduler as the application registered it at start-up (removed afterwards: each test runs the sweep itself). */
let scheduler: Awaited<ReturnType<Queue['getJobScheduler']>>;

beforeAll(async () => {
  stripe = await startFakeStripe();
  t = await createTestApp({ imports: [BillingModule], env: { ...stripe.env, STRIPE_EVENTS_MAX_ATTEMPTS: String(MAX_ATTEMPTS) } });
  world = new BillingWorld(t);
  eventsQueue = t.app.get(AppQueues).get(STRIPE_EVENTS_QUEUE)!;
  sweepQueue = t.app.get(AppQueues).get(STRIPE_INBOX_QUEUE)!;
  // Registered on bootstrap without being awaited: wait for it, then stop it so that no sweep runs behind the tests' backs.
  scheduler = await waitFor(() => sweepQueue.getJobScheduler(INBOX_SWEEP_SCHEDULER), (s) => s != null, 10_000, 'the sweep scheduler');
  await sweepQueue.removeJobScheduler(INBOX_SWEEP_SCHEDULER);
  await waitFor(() => sweepQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized'), (c) => Object.values(c).every((n) => n === 0), 10_000, 'the scheduled sweep to finish');
});

afterAll(async () => {
  await world?.close();
  await t?.close();
  await stripe?.close();
});

/** Runs one sweep through the queue, as the scheduler does, and returns what it did. */
async function sweep(): Promise<SweepOutcome> {
  const job = await sweepQueue.add(INBOX_SWEEP_JOB, {}, { jobId: `test-sweep-${randomBytes(6).toString('hex')}` });
  const done = await waitFor(() => job.getState(), (state) => state === 'completed' || state === 'failed', 15_000, 'the sweep job');
  const finished = (await sweepQueue.getJob(job.id!))!;
  expect({ state: done, reason: finished.failedReason }).toEqual({ state: 'completed', reason: undefined });
  return finished.returnvalue as SweepOutcome;
}

/** The event in the inbox as the webhook stores it, but never enqueued (the process died, or Redis was away), `minutes` ago. */
async function storedNotEnqueued(event: Stripe.Event, minutes = 10): Promise<void> {
  expect(await t.app.get(StripeInbox).record(event)).toEqual({ inserted: true, status: 'pending' });
  await backdate(event.id, minutes);
}

async function backdate(eventId: string, minutes: number): Promise<void> {
  await world.owner.query(`update stripe_events set received_at = now() - make_interval(mins => $2) where id = $1`, [eventId, minutes]);
}

const eventJob = (eventId: string): Promise<Job | undefined> => eventsQueue.getJob(stripeEventJobId(eventId));
const jobState = async (eventId: string): Promise<string> => (await (await eventJob(eventId))?.getState()) ?? 'missing';

async function subscribedTenant() {
  const tenant = await t.makeTenant();
  const customer = await world.accountWithCustomer(stripe, tenant.id);
  const subscription = stripe.createSubscription({ customer, price: FAKE_PRICES.pro, status: 'active' });
  return { tenant, customer, subscription, checkout: () => stripeEvent('checkout.session.completed', checkoutSessionObject(customer, subscription.id)) };
}

describe('scheduling', () => {
  it('the application schedules the sweep every minute under one deterministic id', () => {
    expect(scheduler).toMatchObject({ key: INBOX_SWEEP_SCHEDULER, name: INBOX_SWEEP_JOB, every: INBOX_SWEEP_EVERY_MS });
  });
});

describe('re-queueing lost events', () => {
  it('an event stored but never enqueued is applied after a sweep; a recent one is left for its own job', async () => {
    const { tenant, checkout } = await subscribedTenant();
    const lost = checkout();
    const recent = stripeEvent('checkout.session.completed', checkoutSessionObject('cus_recentnotyet', 'sub_recentnotyet'));
    await storedNotEnqueued(lost);
    await storedNotEnqueued(recent, 1); // within STRIPE_EVENTS_REQUEUE_AFTER_MINUTES (5)
    expect(await jobState(lost.id)).toBe('missing');

    const outcome = await sweep();

    expect(outcome).toMatchObject({ requeued: 1, givenUp: 0 });
    expect(await world.processed(lost.id)).toMatchObject({ status: 'processed', attempts: 1, last_error: null });
    expect((await world.tenant(tenant.id)).plan).toBe('pro');
    expect(await jobState(recent.id)).toBe('missing');
    expect((await world.inbox(recent.id))[0]).toMatchObject({ status: 'pending', attempts: 0, processed_at: null });
    await world.owner.query('delete from stripe_events where id = $1', [recent.id]); // or a later test's sweep would count it
  });

  it('an event whose job is still queued is not enqueued again, and is applied once', async () => {
    const { tenant, checkout } = await subscribedTenant();
    const event = checkout();
    await eventsQueue.pause();
    let queuedAt: number;
    try {
      await storedNotEnqueued(event);
      await t.app.get(BillingJobs).enqueueStripeEvent(event.id);
      queuedAt = (await eventJob(event.id))!.timestamp;

      const outcome = await sweep();

      expect(outcome).toMatchObject({ requeued: 0, running: 1 });
      const job = (await eventJob(event.id))!;
      expect({ state: await job.getState(), timestamp: job.timestamp }).toEqual({ state: 'waiting', timestamp: queuedAt });
    } finally {
      await eventsQueue.resume();
    }

    expect(await world.processed(event.id)).toMatchObject({ status: 'processed', attempts: 1 });
    expect(await world.audit(tenant.id, 'tenant.plan_changed')).toHaveLength(1);
  });

  it('a second job for an applied event (a double enqueue) does not apply it again', async () => {
    const { tenant, checkout } = await subscribedTenant();
    const event = checkout();
    await storedNotEnqueued(event);
    await sweep();
    await world.processed(event.id);
    await world.owner.query("update tenants set plan = 'free' where id = $1", [tenant.id]); // a second application would undo this

    const duplicate = await eventsQueue.add('apply-stripe-event', { eventId: event.id }, { jobId: `duplicate-${event.id}` });
    await waitFor(() => duplicate.getState(), (state) => state === 'completed', 10_000, 'the duplicate job');

    expect((await eventsQueue.getJob(duplicate.id!))!.returnvalue).toEqual({ status: 'already_done' });
    expect((await world.inbox(event.id))[0]).toMatchObject({ status: 'processed', attempts: 1 });
    expect((await world.tenant(tenant.id)).plan).toBe('free');
    expect(await world.audit(tenant.id, 'tenant.plan_changed')).toHaveLength(1);
  });

  it('an event whose job used up its retries is enqueued again with a fresh job, and applies', async () => {
    const { tenant, subscription, checkout } = await subscribedTenant();
    const event = checkout();
    stripe.failNext('GET', `/v1/subscriptions/${subscription.id}`, 500, 3); // the library's 2 retries, then the job's only attempt fails
    await t.app.get(StripeInbox).record(event);
    await t.app.get(BillingJobs).enqueueStripeEvent(event.id, 1);
    await waitFor(() => jobState(event.id), (state) => state === 'failed', 10_000, 'the job to fail');
    expect((await world.inbox(event.id))[0]).toMatchObject({ status: 'failed', attempts: 1, processed_at: null });
    await backdate(event.id, 10);

    expect(await sweep()).toMatchObject({ requeued: 1 });

    expect(await world.processed(event.id)).toMatchObject({ status: 'processed', attempts: 2, last_error: null });
    expect((await world.tenant(tenant.id)).plan).toBe('pro');
    expect(await jobState(event.id)).toBe('completed');
  });

  it('a failed event resent from Stripe gets a fresh job at once (its spent job would otherwise swallow the redelivery)', async () => {
    const { tenant, subscription, checkout } = await subscribedTenant();
    const event = checkout();
    stripe.failNext('GET', `/v1/subscriptions/${subscription.id}`, 500, 3);
    await t.app.get(StripeInbox).record(event);
    await t.app.get(BillingJobs).enqueueStripeEvent(event.id, 1);
    await waitFor(() => jobState(event.id), (state) => state === 'failed', 10_000, 'the job to fail');

    const res = await world.deliver(event);

    expect(res.json()).toEqual({ received: true, duplicate: true });
    expect(await world.processed(event.id)).toMatchObject({ status: 'processed', attempts: 2 });
    expect((await world.tenant(tenant.id)).plan).toBe('pro');
  });
});

describe('the attempt budget (STRIPE_EVENTS_MAX_ATTEMPTS)', () => {
  it('a re-queued job gets only the attempts left; the last one failing leaves the event failed and the job in the failed list', async () => {
    const { tenant, subscription, checkout } = await subscribedTenant();
    const event = checkout();
    await storedNotEnqueued(event);
    await world.owner.query("update stripe_events set status = 'failed', attempts = $2, last_error = 'earlier' where id = $1", [event.id, MAX_ATTEMPTS - 1]);
    stripe.failNext('GET', `/v1/subscriptions/${subscription.id}`, 500, 3);

    expect(await sweep()).toMatchObject({ requeued: 1 });

    await waitFor(() => jobState(event.id), (state) => state === 'failed', 10_000, 'the last attempt to fail');
    const job = (await eventJob(event.id))!;
    expect({ attempts: job.opts.attempts, attemptsMade: job.attemptsMade }).toEqual({ attempts: 1, attemptsMade: 1 });
    expect(job.failedReason).toContain(`attempt ${MAX_ATTEMPTS} of ${MAX_ATTEMPTS}: given up`);
    expect((await world.inbox(event.id))[0]).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, processed_at: null });
    expect((await eventsQueue.getFailed()).map((j) => j.id)).toContain(stripeEventJobId(event.id));

    // Past the budget, the sweep leaves it alone: the failed job stays for an admin to retry.
    expect(await sweep()).toMatchObject({ requeued: 0 });
    expect((await eventJob(event.id))!.timestamp).toBe(job.timestamp);
    expect((await world.inbox(event.id))[0]).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS });
    expect((await world.tenant(tenant.id)).plan).toBe('free');
  });

  it('an event at the budget whose last attempt died with its job is marked failed, saying why, and not re-queued', async () => {
    const { checkout } = await subscribedTenant();
    const event = checkout();
    await storedNotEnqueued(event);
    await world.owner.query("update stripe_events set status = 'processing', attempts = $2 where id = $1", [event.id, MAX_ATTEMPTS]);

    expect(await sweep()).toMatchObject({ requeued: 0, givenUp: 1 });

    expect(await jobState(event.id)).toBe('missing');
    expect((await world.inbox(event.id))[0]).toMatchObject({
      status: 'failed',
      attempts: MAX_ATTEMPTS,
      processed_at: null,
      last_error: expect.stringContaining(`given up after ${MAX_ATTEMPTS} attempts`),
    });
    expect(await sweep()).toMatchObject({ givenUp: 0 }); // counted (and logged) once
  });
});

describe('retention (STRIPE_EVENTS_RETENTION_DAYS, 30 by default)', () => {
  it('deletes applied and ignored events older than the retention period, in batches; never an unapplied one', async () => {
    const tag = randomBytes(4).toString('hex');
    const insert = (id: string, status: string, receivedDaysAgo: number, processedDaysAgo: number | null, attempts = 1) =>
      world.owner.query(
        `insert into stripe_events (id, type, created, payload, status, attempts, received_at, processed_at)
         values ($1, 'invoice.paid', now() - make_interval(days => $3), '{}', $2, $5, now() - make_interval(days => $3),
                 case when $4::int is null then null else now() - make_interval(days => $4::int) end)`,
        [id, status, receivedDaysAgo, processedDaysAgo, attempts],
      );
    await insert(`evt_${tag}_oldprocessed`, 'processed', 32, 31);
    await insert(`evt_${tag}_oldignored`, 'ignored', 40, 40);
    await insert(`evt_${tag}_recentprocessed`, 'processed', 29, 29);
    await insert(`evt_${tag}_oldfailed`, 'failed', 90, null, MAX_ATTEMPTS);
    await insert(`evt_${tag}_oldprocessing`, 'processing', 90, null, MAX_ATTEMPTS);
    // More than two delete batches (500 each).
    await world.owner.query(
      `insert into stripe_events (id, type, created, payload, status, attempts, received_at, processed_at)
       select 'evt_' || $1 || '_bulk' || n, 'invoice.paid', now() - interval '60 days', '{}', 'processed', 1, now() - interval '60 days', now() - interval '60 days'
       from generate_series(1, 1100) as n`,
      [tag],
    );

    const outcome = await sweep();

    expect(outcome.deleted).toBe(1102);
    const { rows } = await world.owner.query<{ id: string; status: string }>('select id, status from stripe_events where id like $1 order by id', [`evt_${tag}_%`]);
    expect(rows).toEqual([
      { id: `evt_${tag}_oldfailed`, status: 'failed' },
      { id: `evt_${tag}_oldprocessing`, status: 'failed' }, // given up (at the budget, no job), still kept
      { id: `evt_${tag}_recentprocessed`, status: 'processed' },
    ]);
    expect((await sweep()).deleted).toBe(0);
  });
});
