import { Injectable } from '@nestjs/common';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { BillingAccountsRepository } from '../billing-accounts.repository.js';
import { StripeClient } from '../stripe/stripe-client.js';

export type SeatSyncOutcome =
  | { outcome: 'not_subscribed' }
  | { outcome: 'unchanged'; quantity: number }
  | { outcome: 'updated'; from: number; quantity: number };

/**
 * Makes the quantity of the tenant's Stripe subscription item equal its member count. Reads both
 * afresh (Stripe holds the quantity; we hold the members), so running it twice is harmless.
 */
@Injectable()
export class SeatQuantityService {
  constructor(
    private readonly ctx: TenantContext,
    private readonly accounts: BillingAccountsRepository,
    private readonly stripe: StripeClient,
  ) {}

  /** `idempotencyKey`: stable across retries of one job, new for each job (Stripe keeps keys 24 h). */
  async sync(idempotencyKey: string): Promise<SeatSyncOutcome> {
    const tenantId = this.ctx.requireTenantId('syncing seats');
    const account = await this.accounts.find(tenantId);
    const subscriptionId = account?.stripeSubscriptionId;
    if (!subscriptionId || !this.stripe.api) return { outcome: 'not_subscribed' };
    const subscription = await this.stripe.call('read the subscription', (api) => api.subscriptions.retrieve(subscriptionId));
    if (['canceled', 'incomplete_expired'].includes(subscription.status)) return { outcome: 'not_subscribed' };
    const items = subscription.items.data;
    const item = items.find((i) => i.price.id === account.stripePriceId) ?? items.find((i) => i.price.recurring?.usage_type !== 'metered');
    if (!item) return { outcome: 'not_subscribed' };
    const quantity = Math.max(1, await this.accounts.memberCount(tenantId));
    const from = item.quantity ?? 1;
    if (from === quantity) return { outcome: 'unchanged', quantity };
    await this.stripe.call('update the seat quantity', (api) =>
      api.subscriptions.update(subscriptionId, { items: [{ id: item.id, quantity }], proration_behavior: 'create_prorations' }, { idempotencyKey: `${idempotencyKey}-${quantity}` }),
    );
    return { outcome: 'updated', from, quantity };
  }
}
