import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BillingModule } from '../../src/modules/billing/billing.module.js';
import { FAKE_PRICES, type FakeStripe, invoiceObject, startFakeStripe, stripeEvent } from '../support/fake-stripe.js';
import { createTestApp, type TestApp } from '../support/http-app.js';
import { BillingWorld, waitFor } from './billing-helpers.js';

/**
 * The grace period of a past_due subscription, end to end with a short grace (2 s): past_due
 * starts it, the delayed job `billing-grace-<tenantId>` ends it, and it suspends the tenant only
 * if Stripe still says past_due; a payment in time (invoice.paid) ends it without suspension.
 */

const GRACE_MS = 2000;

let t: TestApp;
let stripe: FakeStripe;
let world: BillingWorld;

beforeAll(async () => {
  stripe = await startFakeStripe();
  t = await createTestApp({ imports: [BillingModule], env: { ...stripe.env, PAST_DUE_GRACE_DAYS: String(GRACE_MS / 86_400_000) } });
  world = new BillingWorld(t);
});

afterAll(async () => {
  await world?.close();
  await t?.close();
  await stripe?.close();
});

async function pastDueTenant() {
  const tenant = await t.makeTenant();
  const customer = await world.accountWithCustomer(stripe, tenant.id);
  const subscription = stripe.createSubscription({ customer, price: FAKE_PRICES.pro, status: 'past_due' });
  await world.owner.query("update tenants set plan = 'pro' where id = $1", [tenant.id]);
  return { tenant, customer, subscription };
}

describe('past_due', () => {
  it('starts a grace period; when it ends with Stripe still past_due, the grace job suspends the tenant', async () => {
    const { tenant, customer, subscription } = await pastDueTenant();
    const event = stripeEvent('invoice.payment_failed', invoiceObject(customer, subscription.id));

    await world.deliver(event);
    await world.processed(event.id);
    const graceUntil = (await world.account(tenant.id))!.grace_until!;
    expect(graceUntil.getTime()).toBeGreaterThan(Date.now() - GRACE_MS);
    expect((await world.tenant(tenant.id)).status).toBe('active'); // not yet

    const suspended = await waitFor(() => world.tenant(tenant.id), (row) => row.status === 'suspended', 15_000, 'the grace job');

    expect(suspended.suspended_at!.getTime()).toBeGreaterThanOrEqual(graceUntil.getTime());
    expect(await world.audit(tenant.id, 'tenant.suspended')).toEqual([
      expect.objectContaining({ actor_type: 'system', data: expect.objectContaining({ reason: 'billing', subscriptionStatus: 'past_due' }) }),
    ]);
    expect((await world.account(tenant.id))!.billing_suspended_at).toEqual(suspended.suspended_at);
  });

  it('then invoice.paid resumes the tenant billing suspended', async () => {
    const { tenant, customer, subscription } = await pastDueTenant();
    const failed = stripeEvent('invoice.payment_failed', invoiceObject(customer, subscription.id));
    await world.deliver(failed);
    await waitFor(() => world.tenant(tenant.id), (row) => row.status === 'suspended', 15_000, 'the grace job');

    stripe.setSubscription(subscription.id, { status: 'active' });
    const paid = stripeEvent('invoice.paid', invoiceObject(customer, subscription.id));
    await world.deliver(paid);
    await world.processed(paid.id);

    expect(await world.tenant(tenant.id)).toMatchObject({ status: 'active', plan: 'pro', suspended_at: null });
    expect(await world.account(tenant.id)).toMatchObject({ subscription_status: 'active', grace_until: null, billing_suspended_at: null });
  });

  it('a grace period that ends after Stripe recovered (a missed invoice.paid) suspends nothing: the job re-reads Stripe', async () => {
    const { tenant, customer, subscription } = await pastDueTenant();
    const failed = stripeEvent('invoice.payment_failed', invoiceObject(customer, subscription.id));
    await world.deliver(failed);
    await world.processed(failed.id);
    stripe.setSubscription(subscription.id, { status: 'active' }); // paid, but the webhook never came

    const recovered = await waitFor(() => world.account(tenant.id), (row) => row?.grace_until === null, 15_000, 'the grace job');

    expect(recovered).toMatchObject({ subscription_status: 'active' });
    expect((await world.tenant(tenant.id)).status).toBe('active');
    expect(await world.audit(tenant.id, 'tenant.suspended')).toEqual([]);
  });
});
