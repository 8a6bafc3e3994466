import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MembersModule } from '../../src/modules/tenant/members/members.module.js';
import { FAKE_PRICES, type FakeStripe, startFakeStripe } from '../support/fake-stripe.js';
import { createTestApp, type TestApp } from '../support/http-app.js';
import { BillingWorld, waitFor } from './billing-helpers.js';

/**
 * The Stripe seat quantity follows the member count: a member change schedules a debounced job
 * (one per tenant, deterministic id) that sets the subscription item's quantity, with an
 * idempotency key. The job runs in this process (WORKER_ENABLED defaults to true).
 */

let t: TestApp;
let stripe: FakeStripe;
let world: BillingWorld;

beforeAll(async () => {
  stripe = await startFakeStripe();
  t = await createTestApp({ imports: [MembersModule], env: stripe.env });
  world = new BillingWorld(t);
});
afterAll(async () => {
  await world?.close();
  await t?.close();
  await stripe?.close();
});

async function subscribedTeam(members: number, quantity: number) {
  const tenant = await t.makeTenant();
  await t.owner.query("update tenants set plan = 'pro' where id = $1", [tenant.id]);
  const customer = await world.accountWithCustomer(stripe, tenant.id);
  const subscription = stripe.createSubscription({ customer, price: FAKE_PRICES.pro, quantity, metadata: { tenantId: tenant.id } });
  await t.owner.query("update billing_accounts set stripe_subscription_id = $2, subscription_status = 'active', stripe_price_id = $3 where tenant_id = $1", [
    tenant.id,
    subscription.id,
    FAKE_PRICES.pro,
  ]);
  const owner = await t.makeMember(tenant.id, 'owner');
  const others = [];
  for (let i = 1; i < members; i++) others.push(await t.makeMember(tenant.id, 'member'));
  return { subscription, owner, others };
}

const quantityOf = (id: string): number => (stripe.subscriptions.get(id) as { items: { data: Array<{ quantity: number }> } }).items.data[0]!.quantity;
const updatesOf = (id: string) => stripe.requests.filter((r) => r.method === 'POST' && r.path === `/v1/subscriptions/${id}`);

describe('seat quantity follows the member count', () => {
  it('removing two members in a row makes one Stripe update to the new count, with an idempotency key', async () => {
    const { subscription, owner, others } = await subscribedTeam(4, 4);

    for (const member of others.slice(0, 2)) {
      expect((await t.inject({ method: 'DELETE', url: `/api/v1/members/${member.id}`, headers: owner.auth })).statusCode).toBe(204);
    }

    await waitFor(async () => quantityOf(subscription.id), (q) => q === 2, 20_000, 'seat quantity 2');
    const updates = updatesOf(subscription.id);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.idempotencyKey).toMatch(/^seats-seat-quantity-/);
  });
});
