import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BillingModule } from '../../src/modules/billing/billing.module.js';
import { type FakeStripe, signatureHeader, startFakeStripe, stripeEvent } from '../support/fake-stripe.js';
import { createTestApp, expectProblem, type TestApp } from '../support/http-app.js';

/**
 * Issue 9, section 6: a correctly signed Stripe event that the database could not store (nested
 * 50,000 levels deep, or holding a NUL) is refused with 400 before it is parsed deeply or stored,
 * not answered 503 (which Stripe would redeliver for days).
 */

let t: TestApp;
let stripe: FakeStripe;

beforeAll(async () => {
  stripe = await startFakeStripe();
  t = await createTestApp({ imports: [BillingModule], env: stripe.env });
});
afterAll(async () => {
  await t?.close();
  await stripe?.close();
});

const deliver = (payload: string) =>
  t.inject({ method: 'POST', url: '/api/v1/billing/webhooks', payload, headers: { 'content-type': 'application/json', 'stripe-signature': signatureHeader(payload) } });

const nested = (depth: number): unknown => JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
const stored = async (): Promise<number> => (await t.owner.query('select count(*)::int as n from stripe_events')).rows[0].n as number;

describe('signed Stripe events the database could not store', () => {
  it('nested 50,000 levels deep: 400 body_too_deep, nothing stored', async () => {
    const payload = `{"id":"evt_deep","object":"event","type":"customer.subscription.updated","created":1,"data":{"object":{"id":"sub_1","object":"subscription","customer":"cus_1","metadata":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}}}`;
    expectProblem(await deliver(payload), 400, 'body_too_deep');
    expect(await stored()).toBe(0);
  });

  it('holding a NUL or an unpaired surrogate: 400 invalid_text, nothing stored', async () => {
    for (const bad of ['a\u0000b', '\ud800']) {
      const event = stripeEvent('customer.subscription.updated', { id: 'sub_1', object: 'subscription', customer: 'cus_1', metadata: { note: bad } });
      expectProblem(await deliver(JSON.stringify(event)), 400, 'invalid_text');
    }
    expect(await stored()).toBe(0);
  });

  it('an ordinary event, 20 levels deep, is still taken', async () => {
    const event = stripeEvent('customer.created', { id: 'cus_2', object: 'customer', metadata: nested(20) });
    const res = await deliver(JSON.stringify(event));
    expect({ status: res.statusCode, body: res.json() }).toEqual({ status: 200, body: { received: true, ignored: true } });
  });
});
