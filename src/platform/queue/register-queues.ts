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
  /** Every open queue of this process, for `firstNotReady` (a closed queue leaves the set). */
  private static readonly open = new Set<ReportingQueue>();
  private lastWarning = 0;
  private connection?: { status: string; on?: (event: 'ready', listener: () => void) => unknown };
  private everReady = false;

  /**
   * The name of a queue whose own Redis connection was ready once and is not now (reconnecting
   * after an outage), if any: a producer call would wait for it, so QueueProducer refuses at once
   * instead. A connection still being opened at start-up is waited for (bounded) as before.
   */
  static firstNotReady(): string | undefined {
    for (const queue of ReportingQueue.open) if (queue.reconnecting()) return queue.name;
    return undefined;
  }

  private reconnecting(): boolean {
    if (this.connection?.status === 'ready') this.everReady = true;
    return this.everReady && this.connection?.status !== 'ready';
  }

  override async close(): Promise<void> {
    ReportingQueue.open.delete(this);
    await super.close();
  }

  constructor(name: string, opts?: QueueOptions) {
    super(name, opts);
    ReportingQueue.open.add(this);
    // BullMQ's Redis backend exposes its (ioredis) client, whose status is read synchronously later.
    const backend = this.getBackend() as unknown as { client?: Promise<{ status: string; on?: (event: 'ready', listener: () => void) => unknown }> };
    backend.client?.then(
      (client) => {
        this.connection = client;
        this.everReady ||= client.status === 'ready';
        client.on?.('ready', () => (this.everReady = true));
      },
      () => undefined,
    );
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
