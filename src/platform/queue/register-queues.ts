import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Logger } from '@nestjs/common';
import { Queue, type QueueOptions } from 'bullmq';

/** At most one connection-error warning per queue and interval while Redis is away. */
const WARN_INTERVAL_MS = 30_000;

/**
 * A BullMQ queue that reports its connection errors through the logger, at most once per 30 s,
 * from the moment it exists. Without an error listener BullMQ writes every failed (re)connection
 * to console.error, outside the JSON logs, and it starts before any Nest hook could attach one.
 */
export class ReportingQueue extends Queue {
  private static readonly logger = new Logger('Queues');
  private lastWarning = 0;

  constructor(name: string, opts?: QueueOptions) {
    super(name, opts);
    this.on('error', (error: Error) => {
      const now = Date.now();
      if (now - this.lastWarning < WARN_INTERVAL_MS) return;
      this.lastWarning = now;
      ReportingQueue.logger.warn({ queue: this.name, err: error }, `queue ${this.name}: Redis connection error (further ones silenced for 30 s)`);
    });
  }
}

/** BullModule.registerQueue for the application's queues, each a ReportingQueue. Use this, not BullModule.registerQueue. */
export function registerQueues(...names: string[]): DynamicModule {
  BullModule.queueClass = ReportingQueue;
  return BullModule.registerQueue(...names.map((name) => ({ name })));
}
