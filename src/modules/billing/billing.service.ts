import { Injectable } from '@nestjs/common';
import { AuditLog } from '../../platform/audit/audit-log.js';
import { AppConfig } from '../../platform/config/config.js';
import { TenantContext } from '../../platform/context/tenant-context.js';
import { TenantDb } from '../../platform/db/tenant-db.js';
import { BillingAccountsRepository } from './billing-accounts.repository.js';
import { BillingError, BillingErrorCode } from './billing.errors.js';
import type { RedirectView, SubscriptionView } from './dto/billing.dto.js';
import { PlansService } from './plans/plans.service.js';
import { StripeClient } from './stripe/stripe-client.js';
import { LIVE_STATUSES } from './sync/subscription-state.js';
import { TenantStandingRepository } from './tenant-standing.repository.js';

/** Idempotency keys name the operation and its inputs, per minute: a double click gets the same session. */
const minute = (): number => Math.floor(Date.now() / 60_000);

/**
 * The tenant's side of billing: buying a plan through Stripe Checkout, managing it in Stripe's
 * customer portal, and reading the subscription. Changes to the plan itself arrive from Stripe
 * through the webhook (SubscriptionSyncService), never from these calls.
 */
@Injectable()
export class BillingService {
  constructor(
    private readonly ctx: TenantContext,
    private readonly db: TenantDb,
    private readonly config: AppConfig,
    private readonly stripe: StripeClient,
    private readonly plans: PlansService,
    private readonly accounts: BillingAccountsRepository,
    private readonly standing: TenantStandingRepository,
    private readonly audit: AuditLog,
  ) {}

  /** A Checkout Session (subscription mode) for the plan, one seat per member. */
  async checkout(planId: string): Promise<RedirectView> {
    this.ctx.requirePermission('billing:manage');
    const tenantId = this.ctx.requireTenantId();
    this.stripe.require();
    const plan = await this.plans.find(planId);
    if (!plan) throw new BillingError(BillingErrorCode.UnknownPlan, `There is no plan '${planId}'`, { planId });
    if (!plan.stripePriceId) {
      throw new BillingError(
        BillingErrorCode.PlanNotPurchasable,
        plan.id === 'free' ? 'The free plan needs no checkout' : `The ${plan.name} plan is not sold self-serve here; contact sales`,
        { planId },
      );
    }
    const existing = await this.accounts.find(tenantId);
    if (existing?.subscriptionStatus && LIVE_STATUSES.has(existing.subscriptionStatus)) {
      throw new BillingError(BillingErrorCode.SubscriptionExists, 'This tenant already has a subscription; change it in the billing portal', {
        subscriptionStatus: existing.subscriptionStatus,
      });
    }
    const customer = await this.ensureCustomer(tenantId);
    const quantity = Math.max(1, await this.accounts.memberCount(tenantId));
    const price = plan.stripePriceId;
    const metadata = { tenantId, planId: plan.id };
    const session = await this.stripe.call('create a checkout session', (api) =>
      api.checkout.sessions.create(
        {
          mode: 'subscription',
          customer,
          client_reference_id: tenantId,
          line_items: [{ price, quantity }],
          metadata,
          subscription_data: { metadata },
          success_url: this.config.env.BILLING_SUCCESS_URL ?? `${this.config.env.APP_BASE_URL}/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
          cancel_url: this.config.env.BILLING_CANCEL_URL ?? `${this.config.env.APP_BASE_URL}/billing?checkout=cancelled`,
        },
        { idempotencyKey: `checkout-${tenantId}-${plan.id}-${quantity}-${minute()}` },
      ),
    );
    if (!session.url) throw new BillingError(BillingErrorCode.StripeError, 'Stripe returned a checkout session without a URL');
    await this.audit.record({ action: 'billing.checkout_started', targetType: 'tenant', targetId: tenantId, data: { planId: plan.id, quantity, sessionId: session.id } });
    return { url: session.url };
  }

  /** A customer portal session: payment methods, invoices, plan changes and cancellation, on Stripe. */
  async portal(): Promise<RedirectView> {
    this.ctx.requirePermission('billing:manage');
    const tenantId = this.ctx.requireTenantId();
    this.stripe.require();
    const account = await this.accounts.find(tenantId);
    if (!account) throw new BillingError(BillingErrorCode.NoBillingAccount, 'This tenant has no billing account yet; start with a checkout');
    const session = await this.stripe.call('create a portal session', (api) =>
      api.billingPortal.sessions.create(
        { customer: account.stripeCustomerId, return_url: this.config.env.BILLING_PORTAL_RETURN_URL ?? `${this.config.env.APP_BASE_URL}/billing` },
        { idempotencyKey: `portal-${tenantId}-${minute()}` },
      ),
    );
    return { url: session.url };
  }

  /** The plan and the subscription as last applied from Stripe. */
  async subscription(): Promise<SubscriptionView> {
    this.ctx.requirePermission('billing:read');
    const tenantId = this.ctx.requireTenantId();
    this.stripe.require();
    const [tenant, account] = await Promise.all([this.standing.find(tenantId), this.accounts.find(tenantId)]);
    return {
      plan: tenant?.plan ?? 'free',
      status: account?.subscriptionStatus ?? 'none',
      currentPeriodEnd: account?.currentPeriodEnd?.toISOString() ?? null,
      cancelAtPeriodEnd: account?.cancelAtPeriodEnd ?? false,
      ...(account?.graceUntil && { graceUntil: account.graceUntil.toISOString() }),
    };
  }

  /**
   * The tenant's Stripe customer, created once: an advisory lock serialises concurrent first
   * checkouts, and the idempotency key makes a retry after a lost answer return the same customer.
   * (The Stripe call holds the unit of work open; it only happens once per tenant.)
   */
  private ensureCustomer(tenantId: string): Promise<string> {
    return this.db.transaction(async () => {
      await this.accounts.lockCustomerCreation(tenantId);
      const existing = await this.accounts.find(tenantId);
      if (existing) return existing.stripeCustomerId;
      const tenant = await this.standing.find(tenantId);
      const customer = await this.stripe.call('create a customer', (api) =>
        api.customers.create(
          { name: tenant?.name, metadata: { tenantId, tenantSlug: tenant?.slug ?? '' } },
          { idempotencyKey: `customer-${tenantId}` },
        ),
      );
      await this.accounts.create(tenantId, customer.id);
      await this.audit.record({ action: 'billing.customer_created', targetType: 'tenant', targetId: tenantId, data: { customerId: customer.id } });
      return customer.id;
    });
  }
}
