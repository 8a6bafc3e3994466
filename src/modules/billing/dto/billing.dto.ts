import { z } from 'zod';
import { zodDto } from '../../../platform/http/validation.js';

export class CheckoutBody extends zodDto(z.strictObject({ planId: z.string().trim().min(1).max(64) })) {}

export interface RedirectView {
  /** Where to send the browser: Stripe's hosted Checkout page or customer portal. */
  url: string;
}

export interface SubscriptionView {
  plan: string;
  /** Stripe's subscription status, or 'none' before the first subscription. */
  status: string;
  currentPeriodEnd: string | null;
  cancelAtPeriodEnd: boolean;
  /** While past_due: when the tenant will be suspended unless a payment succeeds. */
  graceUntil?: string;
}

export interface WebhookAck {
  received: true;
  /** The event was already in the inbox: acknowledged, no second effect. */
  duplicate?: boolean;
  /** A type this server does not handle: acknowledged and dropped. */
  ignored?: boolean;
}
