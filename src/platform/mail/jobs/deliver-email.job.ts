import { Processor, WorkerHost } from '@nestjs/bullmq';
import { type Job, UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { MAIL_QUEUE } from '../mail-queue.js';
import { type DrainResult, OutboxDelivery } from '../outbox-delivery.js';

/** Drain jobs carry nothing: the outbox is the work list. Platform infrastructure, no tenant. */
const drainPayload = z.object({}).strict();

/**
 * Delivers due outbox rows: one drain per job, idempotent (see OutboxDelivery). Started and
 * stopped with every other processor by QueueWorkers (WORKER_ENABLED or `npm run worker`).
 */
@Processor(MAIL_QUEUE)
export class DeliverEmailProcessor extends WorkerHost {
  constructor(private readonly delivery: OutboxDelivery) {
    super();
  }

  async process(job: Job): Promise<DrainResult> {
    if (!drainPayload.safeParse(job.data).success) throw new UnrecoverableError(`invalid payload for job ${job.name}`);
    return this.delivery.drain();
  }
}
