import { Global, Logger, Module, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { APP_INTERCEPTOR, DiscoveryModule, DiscoveryService, HttpAdapterHost } from '@nestjs/core';
import { WorkerHost } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { AppConfig } from '../config/config.js';
import { RedisClient } from '../redis/redis.module.js';
import { recordHttpMetrics } from './http-metrics.js';
import { metrics, onScrape } from './metrics.js';
import { MetricsServer } from './metrics-server.js';
import { observeWorker, queueDepthCollector } from './queue-metrics.js';
import { observeRedis } from './redis-metrics.js';
import { TenantLabelBudget } from './tenant-label-budget.js';
import { tracingEnabled } from './tracing.js';
import { TracingInterceptor } from './tracing.interceptor.js';

/**
 * Metrics (prom-client, served on METRICS_PORT by its own server) and tracing hooks (the request's
 * span is opened by createApp: request-tracing.ts), for the API
 * and the worker alike (docs/adr/0019-observability.md). Wires the collectors that need the
 * application: the HTTP recorder (Fastify hook), queue depths and job outcomes (BullMQ queues
 * and workers found by discovery), the Redis client's command timing.
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [{ provide: APP_INTERCEPTOR, useClass: TracingInterceptor }],
})
export class ObservabilityModule implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Metrics');
  private readonly server = new MetricsServer();
  private readonly removals: Array<() => void> = [];

  constructor(
    private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
    private readonly discovery: DiscoveryService,
    private readonly redis: RedisClient,
  ) {
    const { METRICS_TENANT_LABEL_BUDGET: budget, METRICS_PAID_TENANT_LABEL_BUDGET: paidBudget } = config.env;
    // One budget per process: several applications in one process (tests) share the registry.
    if (metrics.tenants.budget !== budget || metrics.tenants.paidBudget !== paidBudget) metrics.tenants = new TenantLabelBudget(budget, { paidBudget });
  }

  onModuleInit(): void {
    // METRICS_PORT=0: nothing scrapes this process, so the per-request recording is skipped too.
    const prometheus = this.config.env.METRICS_PORT !== 0;
    // The worker process has no HTTP adapter, whatever its type says.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition, @typescript-eslint/no-unnecessary-type-assertion
    const fastify = this.adapterHost.httpAdapter?.getInstance() as FastifyInstance | undefined;
    if (fastify) recordHttpMetrics(fastify, { prometheus });
    if (prometheus || tracingEnabled()) observeRedis(this.redis.redis, prometheus);
  }

  async onApplicationBootstrap(): Promise<void> {
    const instances = this.discovery.getProviders().map((wrapper) => wrapper.instance as unknown);
    const queues = instances.filter((instance): instance is Queue => instance instanceof Queue);
    if (queues.length > 0) this.removals.push(onScrape(queueDepthCollector(queues)));
    for (const host of instances.filter((instance): instance is WorkerHost => instance instanceof WorkerHost)) {
      const worker = workerOf(host);
      if (worker) observeWorker(worker);
    }
    const port = this.config.env.METRICS_PORT;
    if (port === 0) return;
    const bound = await this.server.listen(this.config.env.METRICS_HOST, port).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EADDRINUSE') throw error;
      // Refuse to start rather than run unobserved: say which setting to change.
      throw new Error(`METRICS_PORT ${port} is already in use: give each process on this host its own METRICS_PORT (e.g. 9465 for the worker), or 0 to serve no metrics`);
    });
    this.logger.log({ port: bound }, `metrics on http://${this.config.env.METRICS_HOST}:${bound}/metrics`);
  }

  async onModuleDestroy(): Promise<void> {
    for (const remove of this.removals.splice(0)) remove();
    await this.server.close();
  }
}

/** The worker of a processor, if this process runs it (WORKER_ENABLED); the getter throws otherwise. */
function workerOf(host: WorkerHost) {
  try {
    return host.worker;
  } catch {
    return undefined;
  }
}
