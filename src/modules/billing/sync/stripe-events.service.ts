import { Injectable, Logger } from '@nestjs/common';
import { type Job, UnrecoverableError } from 'bullmq';
import { AppConfig } from '../../../platform/config/config.js';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { runInTenant } from '../../../platform/queue/tenant-job.js';
import { StripeInbox } from '../inbox/stripe-inbox.repository.js';
import { StripeClient } from '../stripe/stripe-client.js';
import { eventRefs } from './stripe-event-refs.js';
import { snapshotOf, SubscriptionSyncService, type SyncOutcome } from './subscription-sync.service.js';

export type EventOutcome = { status: 'processed' | 'ignored'; note?: string; sync?: SyncOutcome } | { status: 'already_done' };

/**
 * The webhook job's work for one inbox event: trust the payload for ids only, find the tenant
 * from the customer id, re-fetch the subscription from Stripe, and apply it in the tenant's
 * context. Marks the inbox row processed (or ignored, saying why); a failure is written on the
 * row and thrown, so the job retries with backoff and, in the end, stays failed for an admin.
 * The attempt that reaches STRIPE_EVENTS_MAX_ATTEMPTS (counted on the row, across jobs) is the
 * last: it fails the job for good and is logged as an error; the inbox sweep re-queues nothing more.
 */
@Injectable()
export class StripeEventsService {
  private readonly logger = new Logger('StripeEvents');

  constructor(
    private readonly config: AppConfig,
    private readonly ctx: TenantContext,
    private readonly inbox: StripeInbox,
    private readonly stripe: StripeClient,
    private readonly sync: SubscriptionSyncService,
  ) {}

  async process(eventId: string, job: Job): Promise<EventOutcome> {
    const event = await this.inbox.begin(eventId);
    if (!event) return { status: 'already_done' };
    try {
      const outcome = await this.handle(event, job);
      await this.inbox.finish(eventId, outcome.status, outcome.note);
      return outcome;
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      await this.inbox.fail(eventId, message).catch(() => undefined);
      const maxAttempts = this.config.env.STRIPE_EVENTS_MAX_ATTEMPTS;
      if (event.attempts >= maxAttempts) {
        this.logger.error({ eventId, type: event.type, attempt: event.attempts, maxAttempts, err: error }, 'stripe event failed its last attempt; left failed');
        throw new UnrecoverableError(`${message} (attempt ${event.attempts} of ${maxAttempts}: given up)`);
      }
      this.logger.warn({ eventId, type: event.type, attempt: event.attempts, err: error }, 'stripe event failed; will retry');
      throw error;
    }
  }

  private async handle(
    event: { id: string; type: string; created: Date; payload: unknown },
    job: Job,
  ): Promise<{ status: 'processed' | 'ignored'; note?: string; sync?: SyncOutcome }> {
    const refs = eventRefs(event.type, event.payload);
    if (!refs.customerId) return { status: 'ignored', note: 'the event names no customer' };
    const tenantId = await this.inbox.tenantOfCustomer(refs.customerId);
    if (!tenantId) return { status: 'ignored', note: `customer ${refs.customerId} is not a tenant's` };
    if (!refs.subscriptionId) return { status: 'ignored', note: 'the event names no subscription' };

    const subscriptionId = refs.subscriptionId;
    const subscription = await this.stripe.call('read the subscription', (api) => api.subscriptions.retrieve(subscriptionId));
    const customer = typeof subscription.customer === 'string' ? subscription.customer : subscription.customer.id;
    if (customer !== refs.customerId) return { status: 'ignored', note: `subscription ${subscription.id} belongs to another customer` };

    const sync = await runInTenant(this.ctx, tenantId, job, () =>
      this.sync.apply(snapshotOf(subscription), { id: event.id, type: event.type, created: event.created, invoiceId: refs.invoiceId }),
    );
    return sync.outcome === 'applied' ? { status: 'processed', sync } : { status: 'ignored', note: sync.outcome, sync };
  }
}
