import { BullRegistrar, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Worker } from 'bullmq';
import { AppConfig } from '../config/config.js';
import { RedisClient } from '../redis/redis.module.js';
import { logJobEvents } from './job-log.js';

/** At most one error warning per worker and interval (a Redis outage makes one per reconnect attempt). */
const WARN_INTERVAL_MS = 30_000;

/**
 * Starts the application's job processors (every @Processor class) when this process runs them:
 * WORKER_ENABLED=true (the API process by default) or `npm run worker`. With WORKER_ENABLED=false
 * the API only enqueues, and a separate worker process does the work.
 *
 * `close()` stops taking new jobs and waits for the running ones to finish (BullMQ's
 * `worker.close()`); it runs on module destroy, before the database pools and Redis close.
 */
@Injectable()
export class QueueWorkers implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('QueueWorkers');
  private workers: Worker[] = [];
  private closing?: Promise<void>;
  private readonly lastWarning = new Map<string, number>();

  constructor(
    private readonly config: AppConfig,
    private readonly registrar: BullRegistrar,
    private readonly discovery: DiscoveryService,
    private readonly redis: RedisClient,
  ) {}

  /** Whether this process runs the processors. */
  get enabled(): boolean {
    return this.config.env.WORKER_ENABLED;
  }

  onModuleInit(): void {
    if (!this.enabled) return;
    this.registrar.register();
    this.workers = this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is WorkerHost => instance instanceof WorkerHost)
      .map((host) => host.worker);
    // At once, in the same tick as their creation: a connection error comes later, and without a
    // listener BullMQ writes each one to console.error, outside the JSON logs.
    for (const worker of this.workers) {
      worker.on('error', (error) => this.reportError(worker.name, error));
      logJobEvents(worker, this.logger);
    }
    this.logger.log({ queues: this.workers.map((w) => w.name) }, 'job processors started');
  }

  private reportError(queue: string, error: Error): void {
    const now = Date.now();
    if (now - (this.lastWarning.get(queue) ?? 0) < WARN_INTERVAL_MS) return;
    this.lastWarning.set(queue, now);
    this.logger.warn({ queue, err: error }, `worker ${queue}: ${error.message} (further errors silenced for 30 s)`);
  }

  /** Queue names this process processes (empty when WORKER_ENABLED=false). */
  get queues(): string[] {
    return this.workers.map((w) => w.name);
  }

  /**
   * Stops every worker; resolves once the jobs that were running have finished. Idempotent. With
   * Redis unreachable a graceful close would wait forever (BullMQ waits for its connection), and
   * no running job could complete anyway: the workers are then closed at once, and BullMQ runs
   * their jobs again once they are found stalled.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const force = this.redis.redis.status !== 'ready';
      await Promise.all(this.workers.map((worker) => worker.close(force)));
      if (this.workers.length > 0) this.logger.log({ force }, 'job processors stopped');
    })();
    return this.closing;
  }

  onModuleDestroy(): Promise<void> {
    return this.close();
  }
}
