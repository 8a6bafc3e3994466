import { Processor, WorkerHost } from '@nestjs/bullmq';
import { type Job, UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { StripeInboxSweepService, type SweepOutcome } from '../sync/stripe-inbox-sweep.service.js';
import { INBOX_SWEEP_JOB, STRIPE_INBOX_QUEUE } from './billing-jobs.js';

/** The sweep carries nothing: it works across tenants on the platform inbox. */
const payload = z.object({}).strict();

/**
 * The Stripe inbox sweep, every INBOX_SWEEP_EVERY_MS from the `stripe-inbox-sweep` scheduler
 * (BillingJobs): re-queues lost events, deletes expired ones. A platform job: no tenant.
 */
@Processor(STRIPE_INBOX_QUEUE)
export class SweepStripeInboxJob extends WorkerHost {
  constructor(private readonly sweeper: StripeInboxSweepService) {
    super();
  }

  async process(job: Job): Promise<SweepOutcome> {
    if (job.name !== INBOX_SWEEP_JOB || !payload.safeParse(job.data).success) throw new UnrecoverableError(`invalid job ${job.name} on ${job.queueName}`);
    return this.sweeper.sweep();
  }
}
