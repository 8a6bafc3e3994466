import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/config.js';
import { QueueWorkersModule } from './queue-workers.module.js';
import { queueTelemetry } from '../observability/queue-telemetry.js';

/** BullMQ connection options from REDIS_URL (BullMQ opens its own connections: queue, worker, events). */
export function bullConnection(redisUrl: string): { host: string; port: number; username?: string; password?: string; db?: number; tls?: object } {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** Delay before the n-th reconnect attempt: 100 ms, 200 ms, ... at most 1 s. */
export const reconnectDelayMs = (attempt: number): number => Math.min(attempt * 100, 1000);

/**
 * Background jobs on BullMQ (Redis), docs/adr/0007-jobs-on-bullmq.md. Every payload carries its
 * tenant id; processors validate it and re-enter the TenantContext (see tenant-job.ts). Retries
 * back off exponentially; failed jobs are kept for platform administrators (GET /admin/jobs/failed).
 *
 * Processors are not started by @nestjs/bullmq itself (manualRegistration): QueueWorkers starts
 * them when WORKER_ENABLED (the API process, by default) or in `npm run worker`, and stops them,
 * letting running jobs finish, before the database pools close.
 */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        // Reconnect within a second once Redis is back (BullMQ's default backs off to 20 s): producer
        // calls refuse while a queue's connection is down (QueueProducer), so they must not wait long.
        connection: { ...bullConnection(config.env.REDIS_URL), maxRetriesPerRequest: null, retryStrategy: reconnectDelayMs },
        prefix: config.env.QUEUE_PREFIX,
        ...queueTelemetry(),
        defaultJobOptions: {
          attempts: 5,
          backoff: { type: 'exponential', delay: 1000 },
          removeOnComplete: { age: 24 * 3600, count: 1000 },
          removeOnFail: { age: 30 * 24 * 3600 },
        },
      }),
      extraOptions: { manualRegistration: true },
    }),
    QueueWorkersModule,
  ],
  exports: [BullModule, QueueWorkersModule],
})
export class QueueModule {}
