import { errorClass } from '../../platform/http/app-error.js';

export enum BillingErrorCode {
  /** No Stripe keys in this environment: billing is off (plans are still listed, admins still set plans). */
  NotConfigured = 'billing_not_configured',
  UnknownPlan = 'unknown_plan',
  /** Free, or sales-led (enterprise), or no Stripe price in this environment. */
  PlanNotPurchasable = 'plan_not_purchasable',
  /** The tenant already pays for a subscription: plan changes go through the customer portal. */
  SubscriptionExists = 'subscription_exists',
  /** The portal needs the Stripe customer that a first checkout creates. */
  NoBillingAccount = 'no_billing_account',
  /** A webhook whose signature does not verify, or whose timestamp is outside the tolerance. */
  InvalidSignature = 'invalid_signature',
  /** The webhook inbox (or the queue behind it) cannot take the event now: Stripe retries on 5xx. */
  InboxUnavailable = 'inbox_unavailable',
  /** Stripe refused or failed a call. */
  StripeError = 'stripe_error',
  /** A subscription's price is not the price of any plan (configuration: plans.stripe_price_id, STRIPE_PRICE_*). */
  UnknownPrice = 'unknown_price',
  /** No event with this id in the Stripe inbox. */
  StripeEventNotFound = 'stripe_event_not_found',
  /** Only a failed inbox event can be resent (a pending one is going to run; a finished one is done). */
  StripeEventNotFailed = 'stripe_event_not_failed',
}

const STATUS: Record<BillingErrorCode, number> = {
  [BillingErrorCode.NotConfigured]: 503,
  [BillingErrorCode.UnknownPlan]: 400,
  [BillingErrorCode.PlanNotPurchasable]: 400,
  [BillingErrorCode.SubscriptionExists]: 409,
  [BillingErrorCode.NoBillingAccount]: 409,
  [BillingErrorCode.InvalidSignature]: 400,
  [BillingErrorCode.InboxUnavailable]: 503,
  [BillingErrorCode.StripeError]: 502,
  [BillingErrorCode.UnknownPrice]: 500,
  [BillingErrorCode.StripeEventNotFound]: 404,
  [BillingErrorCode.StripeEventNotFailed]: 409,
};

export class BillingError extends errorClass(STATUS) {
  static notConfigured(): BillingError {
    return new BillingError(BillingErrorCode.NotConfigured, 'Billing is not configured on this server (no Stripe keys)');
  }
}
