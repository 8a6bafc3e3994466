import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QueueProducer } from '../queue/queue-producer.js';

export const MAIL_QUEUE = 'mail';
/** The one job of the mail queue: deliver what is due in the outbox. */
export const DRAIN_JOB = 'drain-outbox';
/** The safety net: every instance's scheduler upserts the same repeatable drain (one per deployment). */
export const DRAIN_EVERY_MS = 5_000;
/**
 * A nudge runs this long after `EmailOutbox.enqueue`, once the unit of work that wrote the row has
 * (most likely) committed; a row committed later is picked up by the repeatable drain.
 */
export const NUDGE_DELAY_MS = 1_000;

/**
 * Triggers of the drain job (docs/adr/0004-email-outbox.md). Neither ever waits for Redis: an email
 * is safe once its outbox row commits, whatever happens to a trigger.
 */
@Injectable()
export class MailQueue implements OnApplicationBootstrap {
  private readonly logger = new Logger('Mail');

  constructor(
    @InjectQueue(MAIL_QUEUE) private readonly queue: Queue,
    private readonly producer: QueueProducer,
  ) {}

  onApplicationBootstrap(): void {
    this.producer.schedule(this.queue, 'drain-outbox-every', { every: DRAIN_EVERY_MS }, DRAIN_JOB);
  }

  /** Asks for a drain soon. Nudges coalesce: while one is waiting, more are ignored. */
  nudge(): void {
    this.producer
      .run('nudging the outbox drain', () =>
        this.queue.add(DRAIN_JOB, {}, { delay: NUDGE_DELAY_MS, deduplication: { id: 'drain-outbox-nudge' }, removeOnComplete: true, removeOnFail: 100 }),
      )
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not nudge the outbox drain'));
  }
}
