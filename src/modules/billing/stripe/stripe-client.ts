import { Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import { AppConfig } from '../../../platform/config/config.js';
import { BillingError, BillingErrorCode } from '../billing.errors.js';

/** Stripe's signature tolerance: a delivery signed more than 5 minutes ago is refused (replays). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/**
 * The Stripe API client, built once from configuration; `api` is null when STRIPE_SECRET_KEY is
 * unset, and every billing operation then answers 503 billing_not_configured. STRIPE_API_HOST,
 * _PORT and _PROTOCOL point it elsewhere (stripe-mock, the tests' local fake). Every POST carries
 * an explicit idempotency key, so the library's network retries are safe.
 */
@Injectable()
export class StripeClient {
  readonly api: Stripe | null;
  private readonly webhookSecret?: string;

  constructor(config: AppConfig) {
    const env = config.env;
    this.webhookSecret = env.STRIPE_WEBHOOK_SECRET;
    this.api = env.STRIPE_SECRET_KEY
      ? new Stripe(env.STRIPE_SECRET_KEY, {
          maxNetworkRetries: 2,
          timeout: 20_000,
          appInfo: { name: 'tenantry' },
          ...(env.STRIPE_API_HOST ? { host: env.STRIPE_API_HOST, telemetry: false } : {}),
          ...(env.STRIPE_API_PORT ? { port: env.STRIPE_API_PORT } : {}),
          ...(env.STRIPE_API_PROTOCOL ? { protocol: env.STRIPE_API_PROTOCOL } : {}),
        })
      : null;
  }

  /** The client, or 503 billing_not_configured. */
  require(): Stripe {
    if (!this.api) throw BillingError.notConfigured();
    return this.api;
  }

  /**
   * Verifies a webhook delivery on its exact bytes and returns the event. A bad signature or a
   * timestamp outside the tolerance is 400 invalid_signature.
   */
  verifyWebhook(rawBody: Buffer | undefined, signature: string | undefined): Stripe.Event {
    const api = this.require();
    if (!this.webhookSecret) throw BillingError.notConfigured();
    if (!rawBody || !signature) throw invalidSignature('The Stripe-Signature header or the body is missing');
    try {
      return api.webhooks.constructEvent(rawBody, signature, this.webhookSecret, WEBHOOK_TOLERANCE_SECONDS);
    } catch (error) {
      throw invalidSignature(error instanceof Error ? error.message : 'The signature does not verify');
    }
  }

  /** Runs a Stripe call; Stripe's own failures become 502 stripe_error (its message, never our key). */
  async call<T>(what: string, fn: (api: Stripe) => Promise<T>): Promise<T> {
    const api = this.require();
    try {
      return await fn(api);
    } catch (error) {
      if (error instanceof Stripe.errors.StripeError) {
        throw new BillingError(BillingErrorCode.StripeError, `Stripe refused to ${what}: ${error.message}`, {
          stripeCode: error.code ?? error.type,
        });
      }
      throw error;
    }
  }
}

function invalidSignature(detail: string): BillingError {
  // Stripe's messages say what failed (no signature matches, timestamp outside tolerance); no secret in them.
  return new BillingError(BillingErrorCode.InvalidSignature, `Webhook signature verification failed: ${detail.split('\n')[0]}`);
}
