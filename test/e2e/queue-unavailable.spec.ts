import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { QueueProducer } from '../../src/platform/queue/queue-producer.js';
import { type FakeStripe, startFakeStripe, stripeEvent } from '../support/fake-stripe.js';
import { createTestApp, expectProblem, type TestApp } from '../support/http-app.js';
import { BillingWorld } from './billing-helpers.js';

/**
 * Redis, which holds the job queues, is unreachable (nothing listens on 6390). Work that must be
 * scheduled fails at once with 503 queue_unavailable and changes nothing, instead of waiting in
 * BullMQ's offline queue with the request (and any transaction) open. Work that has a safety net
 * goes on: a Stripe event is kept in the inbox (the sweep enqueues it once Redis is back).
 */

let stripe: FakeStripe;
let down: TestApp;
let world: BillingWorld;

beforeAll(async () => {
  stripe = await startFakeStripe();
  down = await createTestApp({ env: { ...stripe.env, REDIS_URL: 'redis://127.0.0.1:6390' } });
  world = new BillingWorld(down);
});
afterAll(async () => {
  await down?.close();
  await stripe?.close();
});

describe('with Redis unreachable', () => {
  it('a tenant deletion answers 503 queue_unavailable and the tenant stays active', async () => {
    const tenant = await down.makeTenant();
    const owner = await down.makeMember(tenant.id, 'owner');

    const res = await down.inject({ method: 'DELETE', url: '/api/v1/tenant', headers: owner.auth });

    expectProblem(res, 503, 'queue_unavailable');
    const { rows } = await down.owner.query('select status, deletion_scheduled_at from tenants where id = $1', [tenant.id]);
    expect(rows).toEqual([{ status: 'active', deletion_scheduled_at: null }]);
    expect((await down.inject({ method: 'GET', url: '/api/v1/tenant', headers: owner.auth })).statusCode).toBe(200);
  });

  it('a Stripe webhook keeps the event in the inbox and asks Stripe to deliver it again (5xx)', async () => {
    const event = stripeEvent('invoice.paid', { id: 'in_redis_down', object: 'invoice', customer: 'cus_nobody' });

    const res = await world.deliver(event);

    expectProblem(res, 503, 'inbox_unavailable');
    expect(await world.inbox(event.id)).toEqual([expect.objectContaining({ id: event.id, status: 'pending', processed_at: null })]);
  });

  it('QueueProducer refuses without calling Redis at all', async () => {
    let called = false;
    const producer = down.app.get(QueueProducer, { strict: false });

    await expect(
      producer.run('a test', async () => {
        called = true;
      }),
    ).rejects.toMatchObject({ code: 'queue_unavailable', status: 503 });
    expect(called).toBe(false);
  });
});
