import { Injectable, Logger } from '@nestjs/common';
import type { Queue, RepeatOptions } from 'bullmq';
import { RedisClient } from '../redis/redis.module.js';
import { QueueError, QueueErrorCode } from './queue.errors.js';

/** How long a producer call (adding, finding or removing jobs) may wait for Redis. */
export const QUEUE_CALL_TIMEOUT_MS = 2000;
const TIMED_OUT = Symbol('timed out');

/**
 * Producer calls on BullMQ queues, bounded. BullMQ's connections wait for Redis for as long as it
 * is away (maxRetriesPerRequest: null and ioredis's offline queue, which the workers need), so an
 * unguarded `queue.add` in a request would hang it, and any transaction around it, until Redis
 * came back. `run` fails at once with 503 `queue_unavailable` when the application's own Redis
 * client (the same server) is disconnected, and after QUEUE_CALL_TIMEOUT_MS when Redis does not
 * answer. A call that timed out may still reach Redis later; job ids are deterministic and
 * processors re-check their work, so a late job is harmless.
 */
@Injectable()
export class QueueProducer {
  private readonly logger = new Logger('Queues');

  constructor(private readonly redis: RedisClient) {}

  /**
   * Upserts a repeatable job (BullMQ job scheduler): the same `schedulerId` on every instance makes
   * one schedule per deployment. Never throws: a schedule that could not be written (Redis away at
   * start-up) is logged, and the next start writes it.
   */
  schedule(queue: Queue, schedulerId: string, repeat: Omit<RepeatOptions, 'key'>, jobName: string): void {
    this.run(`scheduling ${schedulerId}`, () =>
      queue.upsertJobScheduler(schedulerId, repeat, { name: jobName, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } }),
    ).catch((error: unknown) => this.logger.error({ err: error, queue: queue.name, schedulerId }, `could not schedule ${schedulerId}; the next start will`));
  }

  async run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const status = this.redis.redis.status;
    if (status !== 'ready') throw unavailable(what, `Redis is ${status}`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), QUEUE_CALL_TIMEOUT_MS);
    });
    try {
      const result = await Promise.race([fn(), timeout]);
      if (result === TIMED_OUT) throw unavailable(what, `no answer from Redis within ${QUEUE_CALL_TIMEOUT_MS} ms`);
      return result;
    } finally {
      clearTimeout(timer);
    }
  }
}

function unavailable(what: string, reason: string): QueueError {
  return new QueueError(QueueErrorCode.QueueUnavailable, `The job queue is unavailable (${what}): ${reason}; try again shortly`);
}
