import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { JobState, Queue } from 'bullmq';
import { QueueProducer } from '../../../platform/queue/queue-producer.js';
import { QueueWorkers } from '../../../platform/queue/queue-workers.js';

export const STRIPE_EVENTS_QUEUE = 'billing-stripe-events';
export const BILLING_GRACE_QUEUE = 'billing-grace';
export const STRIPE_INBOX_QUEUE = 'billing-stripe-inbox';

/**
 * Deterministic job ids (BullMQ refuses ':' in custom ids, hence '-'): one job per Stripe event
 * however often Stripe delivers it, and one grace-period check per tenant.
 */
export const stripeEventJobId = (eventId: string): string => `stripe-event-${eventId}`;
export const graceJobId = (tenantId: string): string => `billing-grace-${tenantId}`;

/** The scheduler (one per deployment, whoever upserts it) of the inbox sweep: re-queue lost events, delete old ones. */
export const INBOX_SWEEP_SCHEDULER = 'stripe-inbox-sweep';
export const INBOX_SWEEP_JOB = 'sweep-stripe-inbox';
export const INBOX_SWEEP_EVERY_MS = 60_000;

/** Webhook events: retried for about half an hour (2 s, 4 s, ... 17 min), then left failed for an admin. */
export const STRIPE_EVENT_ATTEMPTS = 10;

/** States in which an event's job will still run (or runs now): re-queueing it would add nothing. */
const LIVE_STATES: ReadonlySet<JobState | 'unknown'> = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

export type RequeueOutcome = { requeued: true; previous: string } | { requeued: false; state: string };

/** The billing module's queues, for the services that schedule work on them. */
@Injectable()
export class BillingJobs implements OnApplicationBootstrap {

  constructor(
    @InjectQueue(STRIPE_EVENTS_QUEUE) private readonly events: Queue,
    @InjectQueue(BILLING_GRACE_QUEUE) private readonly grace: Queue,
    @InjectQueue(STRIPE_INBOX_QUEUE) private readonly inbox: Queue,
    private readonly workers: QueueWorkers,
    private readonly producer: QueueProducer,
  ) {}

  /**
   * A process that runs the processors upserts the sweep's scheduler (same id everywhere, so one
   * schedule per deployment); an API-only process leaves it to the worker.
   */
  onApplicationBootstrap(): void {
    if (!this.workers.enabled) return;
    this.producer.schedule(this.inbox, INBOX_SWEEP_SCHEDULER, { every: INBOX_SWEEP_EVERY_MS }, INBOX_SWEEP_JOB);
  }

  /**
   * Enqueues the processing of an inbox event; a second call for the same event adds nothing.
   * Bounded (QueueProducer): with Redis away the webhook still answers at once, and the inbox
   * sweep enqueues the event once Redis is back.
   */
  async enqueueStripeEvent(eventId: string, attempts = STRIPE_EVENT_ATTEMPTS): Promise<void> {
    await this.producer.run('enqueueing a Stripe event', () =>
      this.events.add('apply-stripe-event', { eventId }, { jobId: stripeEventJobId(eventId), attempts, backoff: { type: 'exponential', delay: 2000 } }),
    );
  }

  /** The state of the event's job ('missing' when there is none), and whether it will still run. */
  stripeEventJob(eventId: string): Promise<{ state: string; live: boolean }> {
    return this.producer.run('reading a Stripe event job', async () => {
      const job = await this.events.getJob(stripeEventJobId(eventId));
      const state = job ? await job.getState() : 'missing';
      return { state, live: LIVE_STATES.has(state as JobState) };
    });
  }

  /**
   * Enqueues the event again unless its job will still run. A failed or completed job under the
   * event's id is removed first (BullMQ would ignore an add under an id it still holds); one that
   * became active meanwhile cannot be removed (locked) and is left to run. `attempts`: this job's
   * share of the event's attempt budget.
   */
  requeueStripeEvent(eventId: string, attempts: number): Promise<RequeueOutcome> {
    return this.producer.run('re-queueing a Stripe event', () => this.requeue(eventId, attempts));
  }

  /**
   * An administrator's resend of a failed event: re-queued as a redelivery from Stripe would be
   * (a fresh job with a fresh set of attempts); a job waiting out its backoff runs now instead.
   * Returns the job's state afterwards.
   */
  resendStripeEvent(eventId: string): Promise<string> {
    return this.producer.run('resending a Stripe event', async () => {
      const outcome = await this.requeue(eventId, STRIPE_EVENT_ATTEMPTS);
      if (outcome.requeued) return 'waiting';
      if (outcome.state !== 'delayed') return outcome.state;
      const job = await this.events.getJob(stripeEventJobId(eventId));
      await job?.promote().catch(() => undefined); // it may have started meanwhile: fine either way
      return (await job?.getState()) ?? 'missing';
    });
  }

  private async requeue(eventId: string, attempts: number): Promise<RequeueOutcome> {
    const job = await this.events.getJob(stripeEventJobId(eventId));
    const previous = job ? await job.getState() : 'missing';
    if (LIVE_STATES.has(previous as JobState)) return { requeued: false, state: previous };
    if (job) {
      const removed = await job.remove().then(
        () => true,
        () => false,
      );
      if (!removed) return { requeued: false, state: await job.getState() };
    }
    await this.enqueueStripeEvent(eventId, attempts);
    return { requeued: true, previous };
  }

  /**
   * Schedules the end of the tenant's grace period at `at` (replacing an earlier schedule). A job
   * that already ran under the same id is removed first, or BullMQ would ignore the new one; a job
   * running right now is left alone (it re-reads the account).
   */
  scheduleGraceEnd(tenantId: string, at: Date): Promise<void> {
    const jobId = graceJobId(tenantId);
    return this.producer.run('scheduling the end of a grace period', async () => {
      const existing = await this.grace.getJob(jobId);
      if (existing && !(await existing.isActive())) await existing.remove();
      await this.grace.add('enforce-grace', { tenantId }, { jobId, delay: Math.max(0, at.getTime() - Date.now()), removeOnComplete: true });
    });
  }

  /** Drops a scheduled grace check (payment recovered). A running one re-reads the account and does nothing. */
  cancelGraceEnd(tenantId: string): Promise<void> {
    return this.producer.run('cancelling a grace period', async () => {
      const job = await this.grace.getJob(graceJobId(tenantId));
      if (job && !(await job.isActive())) await job.remove();
    });
  }
}
