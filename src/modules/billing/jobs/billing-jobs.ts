import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';

export const STRIPE_EVENTS_QUEUE = 'billing-stripe-events';
export const BILLING_GRACE_QUEUE = 'billing-grace';

/**
 * Deterministic job ids (BullMQ refuses ':' in custom ids, hence '-'): one job per Stripe event
 * however often Stripe delivers it, and one grace-period check per tenant.
 */
export const stripeEventJobId = (eventId: string): string => `stripe-event-${eventId}`;
export const graceJobId = (tenantId: string): string => `billing-grace-${tenantId}`;

/** Webhook events: retried for about half an hour (2 s, 4 s, ... 17 min), then left failed for an admin. */
const STRIPE_EVENT_ATTEMPTS = 10;

/** The billing module's queues, for the services that schedule work on them. */
@Injectable()
export class BillingJobs {
  constructor(
    @InjectQueue(STRIPE_EVENTS_QUEUE) private readonly events: Queue,
    @InjectQueue(BILLING_GRACE_QUEUE) private readonly grace: Queue,
  ) {}

  /** Enqueues the processing of an inbox event; a second call for the same event adds nothing. */
  async enqueueStripeEvent(eventId: string): Promise<void> {
    await this.events.add(
      'apply-stripe-event',
      { eventId },
      { jobId: stripeEventJobId(eventId), attempts: STRIPE_EVENT_ATTEMPTS, backoff: { type: 'exponential', delay: 2000 } },
    );
  }

  /**
   * Schedules the end of the tenant's grace period at `at` (replacing an earlier schedule). A job
   * that already ran under the same id is removed first, or BullMQ would ignore the new one; a job
   * running right now is left alone (it re-reads the account).
   */
  async scheduleGraceEnd(tenantId: string, at: Date): Promise<void> {
    const jobId = graceJobId(tenantId);
    const existing = await this.grace.getJob(jobId);
    if (existing && !(await existing.isActive())) await existing.remove();
    await this.grace.add('enforce-grace', { tenantId }, { jobId, delay: Math.max(0, at.getTime() - Date.now()), removeOnComplete: true });
  }

  /** Drops a scheduled grace check (payment recovered). A running one re-reads the account and does nothing. */
  async cancelGraceEnd(tenantId: string): Promise<void> {
    const job = await this.grace.getJob(graceJobId(tenantId));
    if (job && !(await job.isActive())) await job.remove();
  }
}
