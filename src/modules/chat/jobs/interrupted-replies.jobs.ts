import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QueueProducer } from '../../../platform/queue/queue-producer.js';

export const INTERRUPTED_REPLIES_QUEUE = 'chat-interrupted-replies';

/** The sweep: finds the tenants with interrupted replies and enqueues one job each. */
export const INTERRUPTED_REPLIES_SWEEP_JOB = 'find-interrupted-replies';
export const FAIL_INTERRUPTED_REPLIES_JOB = 'fail-interrupted-replies';
/** One scheduler per deployment (every instance upserts the same id). */
export const INTERRUPTED_REPLIES_SCHEDULER_ID = 'chat-interrupted-replies-sweep';
export const INTERRUPTED_REPLIES_SWEEP_EVERY_MS = 60_000;

/** One job per tenant and sweep interval (BullMQ refuses ':' in custom ids). */
export const failInterruptedRepliesJobId = (tenantId: string, at: Date): string =>
  `fail-interrupted-replies-${tenantId}-${Math.floor(at.getTime() / INTERRUPTED_REPLIES_SWEEP_EVERY_MS)}`;

/**
 * Schedules the interrupted-replies sweep every minute: a reply whose process died is failed at
 * most CHAT_REPLY_DEADLINE_MS + INTERRUPTED_REPLY_MARGIN_MS + one minute after it began.
 */
@Injectable()
export class InterruptedRepliesJobs implements OnApplicationBootstrap {
  constructor(
    @InjectQueue(INTERRUPTED_REPLIES_QUEUE) private readonly queue: Queue,
    private readonly producer: QueueProducer,
  ) {}

  onApplicationBootstrap(): void {
    this.producer.schedule(this.queue, INTERRUPTED_REPLIES_SCHEDULER_ID, { every: INTERRUPTED_REPLIES_SWEEP_EVERY_MS }, INTERRUPTED_REPLIES_SWEEP_JOB);
  }

  async enqueue(tenantId: string, at: Date = new Date()): Promise<void> {
    await this.producer.run('enqueueing a job failing interrupted replies', () =>
      this.queue.add(FAIL_INTERRUPTED_REPLIES_JOB, { tenantId }, { jobId: failInterruptedRepliesJobId(tenantId, at), removeOnComplete: { age: 3600 } }),
    );
  }
}
