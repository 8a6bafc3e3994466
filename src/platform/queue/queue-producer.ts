import { Injectable } from '@nestjs/common';
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
  constructor(private readonly redis: RedisClient) {}

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
