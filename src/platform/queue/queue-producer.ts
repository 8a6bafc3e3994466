import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Queue, RepeatOptions } from 'bullmq';
import { AppConfig } from '../config/config.js';
import { RedisClient } from '../redis/redis.module.js';
import { QueueError, QueueErrorCode } from './queue.errors.js';
import { ReportingQueue } from './register-queues.js';

/** How long a producer call (adding, finding or removing jobs) may wait for Redis. */
export const QUEUE_CALL_TIMEOUT_MS = 2000;
/** After Redis is ready again, the schedules are checked at these delays (its queues reconnect within a second). */
const RESTORE_AFTER_READY_MS = [1000, 3000, 10_000];
const TIMED_OUT = Symbol('timed out');

interface Schedule {
  queue: Queue;
  schedulerId: string;
  repeat: Omit<RepeatOptions, 'key'>;
  jobName: string;
}

/**
 * Producer calls on BullMQ queues, bounded. BullMQ's connections wait for Redis for as long as it
 * is away (maxRetriesPerRequest: null and ioredis's offline queue, which the workers need), so an
 * unguarded `queue.add` in a request would hang it, and any transaction around it, until Redis
 * came back. `run` fails at once with 503 `queue_unavailable` when the application's own Redis
 * client or any queue's own connection is not ready (still reconnecting after an outage), and
 * after QUEUE_CALL_TIMEOUT_MS when Redis does not answer. A call that timed out may still reach
 * Redis later; job ids are deterministic and processors re-check their work, so a late job is harmless.
 *
 * Schedules (repeatable jobs) live in Redis: one that restarts empty, or is flushed, loses them.
 * The producer remembers every schedule it wrote and writes the missing ones again, a few times
 * after its Redis client is ready again, and every QUEUE_SCHEDULE_CHECK_MS in any case.
 */
@Injectable()
export class QueueProducer implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Queues');
  private readonly schedules = new Map<string, Schedule>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private wasReady = false;
  private restoring?: Promise<number>;

  constructor(
    private readonly redis: RedisClient,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.wasReady = this.redis.redis.status === 'ready';
    this.redis.redis.on('ready', this.onReady);
    const check = setInterval(() => void this.restoreSchedules(), this.config.env.QUEUE_SCHEDULE_CHECK_MS).unref();
    this.timers.add(check);
  }

  onModuleDestroy(): void {
    this.redis.redis.off('ready', this.onReady);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /**
   * Upserts a repeatable job (BullMQ job scheduler): the same `schedulerId` on every instance makes
   * one schedule per deployment. Never throws: a schedule that could not be written (Redis away)
   * is logged, and restoreSchedules writes it once Redis answers.
   */
  schedule(queue: Queue, schedulerId: string, repeat: Omit<RepeatOptions, 'key'>, jobName: string): void {
    const schedule = { queue, schedulerId, repeat, jobName };
    this.schedules.set(`${queue.name}/${schedulerId}`, schedule);
    this.write(schedule).catch((error: unknown) =>
      this.logger.warn({ err: error, queue: queue.name, schedulerId }, `could not schedule ${schedulerId}; it is written again once Redis answers`),
    );
  }

  /**
   * Writes again every remembered schedule that Redis no longer has; returns how many. Calls do
   * not overlap. Never throws (Redis still away: the next check tries again).
   */
  restoreSchedules(): Promise<number> {
    this.restoring ??= this.restoreMissing().finally(() => (this.restoring = undefined));
    return this.restoring;
  }

  async run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const status = this.redis.redis.status;
    if (status !== 'ready') throw unavailable(what, `Redis is ${status}`);
    const reconnecting = ReportingQueue.firstNotReady();
    if (reconnecting !== undefined) throw unavailable(what, `the connection of queue ${reconnecting} is not ready`);
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

  private readonly onReady = (): void => {
    if (!this.wasReady) {
      this.wasReady = true;
      // The first connection: start-up writes the schedules itself.
      if (this.schedules.size === 0) return;
    }
    for (const delay of RESTORE_AFTER_READY_MS) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void this.restoreSchedules();
      }, delay).unref();
      this.timers.add(timer);
    }
  };

  private async restoreMissing(): Promise<number> {
    let restored = 0;
    for (const schedule of this.schedules.values()) {
      try {
        const existing = await this.run(`checking ${schedule.schedulerId}`, () => schedule.queue.getJobScheduler(schedule.schedulerId));
        if (existing) continue;
        await this.write(schedule);
        restored++;
      } catch {
        return restored; // Redis away again: the next check tries again
      }
    }
    if (restored > 0) this.logger.warn({ restored }, `${restored} job schedule(s) were missing from Redis and were written again`);
    return restored;
  }

  private write({ queue, schedulerId, repeat, jobName }: Schedule): Promise<unknown> {
    return this.run(`scheduling ${schedulerId}`, () =>
      queue.upsertJobScheduler(schedulerId, repeat, { name: jobName, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } }),
    );
  }
}

function unavailable(what: string, reason: string): QueueError {
  return new QueueError(QueueErrorCode.QueueUnavailable, `The job queue is unavailable (${what}): ${reason}; try again shortly`);
}
