import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../../platform/config/config.js';
import { StripeInbox, type UnfinishedEvent } from '../inbox/stripe-inbox.repository.js';
import { BillingJobs, STRIPE_EVENT_ATTEMPTS, stripeEventJobId } from '../jobs/billing-jobs.js';

export interface SweepOutcome {
  /** Unapplied events enqueued again (their job was missing, failed or completed). */
  requeued: number;
  /** Unapplied events whose job is still waiting, delayed or running: left to it. */
  running: number;
  /** Unapplied events at the attempt cap with no job left: marked failed, logged as errors. */
  givenUp: number;
  /** Applied or ignored events deleted for being older than the retention period. */
  deleted: number;
}

const PAGE = 200;
/** Unapplied events looked at per sweep, oldest first: a huge backlog is worked through over several sweeps. */
const MAX_SCANNED = 5000;
const DELETE_BATCH = 500;
/** Deleted per sweep at most (a minute apart): 10,000 rows, each batch a short statement. */
const MAX_DELETE_BATCHES = 20;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * Keeps the Stripe inbox honest (docs/adr/0008-stripe-billing.md): an event stored but never
 * applied (the process died between the insert and the enqueue, Redis was down, the job was
 * removed or used up its retries) is enqueued again once it is STRIPE_EVENTS_REQUEUE_AFTER_MINUTES
 * old, within a budget of STRIPE_EVENTS_MAX_ATTEMPTS attempts; and applied or ignored events older
 * than STRIPE_EVENTS_RETENTION_DAYS are deleted. Enqueueing twice is harmless: the job only takes
 * an unapplied row, and applying ignores events older than the last one applied.
 */
@Injectable()
export class StripeInboxSweepService {
  private readonly logger = new Logger('StripeInboxSweep');

  constructor(
    private readonly config: AppConfig,
    private readonly inbox: StripeInbox,
    private readonly jobs: BillingJobs,
  ) {}

  async sweep(now: Date = new Date()): Promise<SweepOutcome> {
    const counts = await this.requeueLost(now);
    const deleted = await this.deleteExpired(now);
    return { ...counts, deleted };
  }

  private async requeueLost(now: Date): Promise<Omit<SweepOutcome, 'deleted'>> {
    const { STRIPE_EVENTS_REQUEUE_AFTER_MINUTES: afterMinutes, STRIPE_EVENTS_MAX_ATTEMPTS: maxAttempts } = this.config.env;
    const before = new Date(now.getTime() - afterMinutes * MINUTE_MS);
    const counts = { requeued: 0, running: 0, givenUp: 0 };
    let after: UnfinishedEvent | undefined;
    for (let scanned = 0; scanned < MAX_SCANNED; ) {
      const page = await this.inbox.unfinished(before, maxAttempts, PAGE, after);
      for (const event of page) counts[await this.requeue(event, maxAttempts)]++;
      scanned += page.length;
      if (page.length < PAGE) break;
      after = page[page.length - 1];
    }
    return counts;
  }

  private async requeue(event: UnfinishedEvent, maxAttempts: number): Promise<'requeued' | 'running' | 'givenUp'> {
    if (event.attempts >= maxAttempts) {
      // Used up (the last attempt died with its process, or its job was lost): nothing will run it again.
      const job = await this.jobs.stripeEventJob(event.id);
      if (job.live) return 'running';
      const retry = job.state === 'failed' ? `retry job ${stripeEventJobId(event.id)} (GET /admin/jobs/failed)` : 'resend the event from Stripe';
      const reason = `given up after ${event.attempts} attempts (STRIPE_EVENTS_MAX_ATTEMPTS), its job ${job.state}; ${retry} to try again`;
      if (await this.inbox.giveUp(event.id, reason)) {
        this.logger.error({ eventId: event.id, status: event.status, attempts: event.attempts, job: job.state }, 'stripe event given up: left failed in the inbox');
      }
      return 'givenUp';
    }
    const outcome = await this.jobs.requeueStripeEvent(event.id, Math.min(STRIPE_EVENT_ATTEMPTS, maxAttempts - event.attempts));
    if (!outcome.requeued) return 'running';
    this.logger.warn(
      { eventId: event.id, status: event.status, attempts: event.attempts, receivedAt: event.receivedAt, previousJob: outcome.previous, jobId: stripeEventJobId(event.id) },
      'unapplied stripe event re-queued',
    );
    return 'requeued';
  }

  private async deleteExpired(now: Date): Promise<number> {
    const before = new Date(now.getTime() - this.config.env.STRIPE_EVENTS_RETENTION_DAYS * DAY_MS);
    let deleted = 0;
    for (let batch = 0; batch < MAX_DELETE_BATCHES; batch++) {
      const count = await this.inbox.deleteFinishedBefore(before, DELETE_BATCH);
      deleted += count;
      if (count < DELETE_BATCH) break;
    }
    if (deleted > 0) this.logger.log({ deleted, before }, 'expired stripe events deleted');
    return deleted;
  }
}
