import { InjectQueue, Processor } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { QueueProducer } from '../../../platform/queue/queue-producer.js';
import { TenantSweepProcessor } from '../../../platform/queue/tenant-sweep.js';
import { type InterruptedRepliesOutcome, InterruptedRepliesService } from '../conversations/interrupted-replies.service.js';
import { InterruptedReplies } from '../interrupted-replies/interrupted-replies.repository.js';
import { INTERRUPTED_REPLIES_QUEUE, INTERRUPTED_REPLIES_SWEEP } from './interrupted-replies.jobs.js';

/**
 * Fails the replies whose process died (job id: fail-interrupted-replies-<tenantId>-<minute>), in
 * the tenant's context, under RLS; the sweep (every minute) enqueues one per tenant that has some,
 * found through the platform role (InterruptedReplies, read only). Both are idempotent: a reply
 * already failed or completed is not pending any more.
 */
@Processor(INTERRUPTED_REPLIES_QUEUE)
export class FailInterruptedRepliesJob extends TenantSweepProcessor<InterruptedRepliesOutcome> {
  protected readonly schedule = INTERRUPTED_REPLIES_SWEEP;

  constructor(
    @InjectQueue(INTERRUPTED_REPLIES_QUEUE) queue: Queue,
    producer: QueueProducer,
    ctx: TenantContext,
    private readonly replies: InterruptedRepliesService,
    private readonly interrupted: InterruptedReplies,
  ) {
    super(queue, producer, ctx);
  }

  protected tenantsWithWork(now: Date): Promise<string[]> {
    return this.interrupted.tenantsWithInterruptedReplies(this.replies.cutoff(now));
  }

  protected work(): Promise<InterruptedRepliesOutcome> {
    return this.replies.failInterrupted();
  }
}
