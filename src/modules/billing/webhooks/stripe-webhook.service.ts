import { Injectable, Logger } from '@nestjs/common';
import { BillingError, BillingErrorCode } from '../billing.errors.js';
import type { WebhookAck } from '../dto/billing.dto.js';
import { StripeInbox } from '../inbox/stripe-inbox.repository.js';
import { BillingJobs, STRIPE_EVENT_ATTEMPTS } from '../jobs/billing-jobs.js';
import { StripeClient } from '../stripe/stripe-client.js';
import { HANDLED_EVENT_TYPES } from '../sync/stripe-event-refs.js';

/**
 * Receives a Stripe webhook delivery: verify the signature on the raw body (300 s tolerance),
 * store the event in the inbox under its id, enqueue its job, answer 2xx at once. Nothing is
 * applied here. If the inbox or the queue cannot take the event, 503: Stripe delivers it again.
 */
@Injectable()
export class StripeWebhookService {
  private readonly logger = new Logger('StripeWebhook');

  constructor(
    private readonly stripe: StripeClient,
    private readonly inbox: StripeInbox,
    private readonly jobs: BillingJobs,
  ) {}

  async receive(rawBody: Buffer | undefined, signature: string | undefined): Promise<WebhookAck> {
    const event = this.stripe.verifyWebhook(rawBody, signature);
    if (!HANDLED_EVENT_TYPES.has(event.type)) return { received: true, ignored: true };

    const stored = await this.inbox.record(event).catch((error: unknown) => {
      this.logger.error({ err: error, eventId: event.id, type: event.type }, 'stripe event not stored; Stripe will retry');
      throw new BillingError(BillingErrorCode.InboxUnavailable, 'The event could not be stored; deliver it again');
    });
    // A redelivery of an event not yet done is enqueued again: the first delivery's enqueue may
    // have failed after the insert. The deterministic job id keeps it to one job. A failed event
    // resent (from Stripe's dashboard) replaces its spent job with a fresh one.
    if (stored.status !== 'processed' && stored.status !== 'ignored') {
      const enqueue = stored.status === 'failed' ? this.jobs.requeueStripeEvent(event.id, STRIPE_EVENT_ATTEMPTS) : this.jobs.enqueueStripeEvent(event.id);
      await enqueue.catch((error: unknown) => {
        this.logger.error({ err: error, eventId: event.id }, 'stripe event stored but not enqueued; Stripe will retry');
        throw new BillingError(BillingErrorCode.InboxUnavailable, 'The event could not be queued; deliver it again');
      });
    }
    return { received: true, ...(!stored.inserted && { duplicate: true }) };
  }
}
