import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../../platform/config/config.js';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { type HttpObservation, observeHttpRequests } from '../../../platform/observability/http-metrics.js';
import { bucketOf, LATENCY_BUCKETS } from './latency-histogram.js';
import { type TrafficIncrement, TrafficRepository } from './traffic.repository.js';

const MAX_FLUSH_ATTEMPTS = 10;

/**
 * Feeds api_traffic_daily from the HTTP recorder without a write per request, like ApiCallMeter:
 * requests are summed in memory per tenant, day and API key, and written every API_CALL_FLUSH_MS,
 * one unit of work per tenant (in its context, under RLS), and on shutdown. A crash loses at most
 * the last interval; a failed write keeps the sums for the next flush.
 */
@Injectable()
export class TrafficMeter implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('TrafficMeter');
  private pending = new Map<string, Map<string, TrafficIncrement>>();
  private readonly failures = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: TenantContext,
    private readonly traffic: TrafficRepository,
    private readonly config: AppConfig,
  ) {}

  /** One finished request of a tenant (the HTTP recorder calls this). */
  count(observation: HttpObservation): void {
    const day = new Date(observation.at).toISOString().slice(0, 10);
    const rowKey = `${day}|${observation.apiKeyId ?? ''}`;
    let rows = this.pending.get(observation.tenantId);
    if (!rows) this.pending.set(observation.tenantId, (rows = new Map()));
    let row = rows.get(rowKey);
    if (!row) {
      row = { day, apiKeyId: observation.apiKeyId ?? null, requests: 0, clientErrors: 0, errors: 0, latencyBuckets: Array.from({ length: LATENCY_BUCKETS }, () => 0) };
      rows.set(rowKey, row);
    }
    row.requests += 1;
    if (observation.status >= 500) row.errors += 1;
    else if (observation.status >= 400) row.clientErrors += 1;
    row.latencyBuckets[bucketOf(observation.durationMs)]! += 1;
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  onModuleInit(): void {
    this.unsubscribe = observeHttpRequests((observation) => this.count(observation));
    this.timer = setInterval(() => void this.flush(), this.config.env.API_CALL_FLUSH_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe?.();
    clearInterval(this.timer);
    await this.flush();
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    for (const [tenantId, rows] of batch) {
      try {
        await this.ctx.run({ tenantId }, () => this.traffic.add(tenantId, [...rows.values()]));
        this.failures.delete(tenantId);
      } catch (error) {
        if ((error as { code?: string }).code === '23503' || /23503|foreign key/.test(String((error as Error).message))) continue; // tenant erased meanwhile
        const attempts = (this.failures.get(tenantId) ?? 0) + 1;
        if (attempts >= MAX_FLUSH_ATTEMPTS) {
          this.failures.delete(tenantId);
          this.logger.error({ tenantId, err: error }, 'API traffic could not be recorded; dropped after repeated failures');
          continue;
        }
        this.failures.set(tenantId, attempts);
        for (const [key, row] of rows) this.merge(tenantId, key, row);
        if (attempts === 1) this.logger.warn({ tenantId, err: error }, 'API traffic could not be recorded yet; retrying');
      }
    }
  }

  private merge(tenantId: string, key: string, row: TrafficIncrement): void {
    let rows = this.pending.get(tenantId);
    if (!rows) this.pending.set(tenantId, (rows = new Map()));
    const current = rows.get(key);
    if (!current) {
      rows.set(key, row);
      return;
    }
    current.requests += row.requests;
    current.clientErrors += row.clientErrors;
    current.errors += row.errors;
    row.latencyBuckets.forEach((count, i) => (current.latencyBuckets[i]! += count));
  }
}
