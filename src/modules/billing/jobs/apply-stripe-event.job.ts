import { Processor, WorkerHost } from '@nestjs/bullmq';
import { type Job, UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { type EventOutcome, StripeEventsService } from '../sync/stripe-events.service.js';
import { STRIPE_EVENTS_QUEUE } from './billing-jobs.js';

/**
 * The one platform-level billing job: its payload is the inbox event id (the tenant is not known
 * until the event's customer is looked up); the service then works in that tenant's context.
 * Job id: stripe-event-<eventId>.
 */
const payload = z.object({ eventId: z.string().regex(/^evt_\w+$/) });

@Processor(STRIPE_EVENTS_QUEUE)
export class ApplyStripeEventJob extends WorkerHost {
  constructor(private readonly events: StripeEventsService) {
    super();
  }

  async process(job: Job): Promise<EventOutcome> {
    const parsed = payload.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid payload for job ${job.name}`);
    return this.events.process(parsed.data.eventId, job);
  }
}
