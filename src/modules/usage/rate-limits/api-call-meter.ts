import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../../platform/config/config.js';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { UsageService } from '../usage.service.js';

/** A tenant whose calls could not be written this many times in a row is dropped (e.g. erased meanwhile). */
const MAX_FLUSH_ATTEMPTS = 10;

/**
 * Meters API calls (usage_counters.api_calls and usage_daily) without a database write per request:
 * calls are summed in memory per tenant and written every API_CALL_FLUSH_MS (1 s), one statement per tenant (in
 * its context, under RLS), and on shutdown (the usage module is destroyed before the database
 * pools). A crash loses at most the last second's count, an undercount; a failed write keeps the
 * count for the next flush. See docs/adr/0009-rate-limits.md.
 */
@Injectable()
export class ApiCallMeter implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ApiCallMeter');
  private pending = new Map<string, number>();
  private readonly failures = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: TenantContext,
    private readonly usage: UsageService,
    private readonly config: AppConfig,
  ) {}

  count(tenantId: string): void {
    this.pending.set(tenantId, (this.pending.get(tenantId) ?? 0) + 1);
  }

  /** Writes the calls counted so far; flushes never overlap. */
  flush(now = new Date()): Promise<void> {
    this.flushing = this.flushing.then(() => this.write(now));
    return this.flushing;
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.config.env.API_CALL_FLUSH_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async write(now: Date): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    for (const [tenantId, calls] of batch) {
      try {
        await this.ctx.run({ tenantId }, () => this.usage.record({ api_calls: calls }, now));
        this.failures.delete(tenantId);
      } catch (error) {
        if ((error as { code?: string }).code === '23503') {
          // The tenant is gone (erased meanwhile): nothing to meter any more.
          this.logger.warn({ tenantId, calls }, 'API calls of an erased tenant not metered');
          continue;
        }
        const attempts = (this.failures.get(tenantId) ?? 0) + 1;
        if (attempts >= MAX_FLUSH_ATTEMPTS) {
          this.failures.delete(tenantId);
          this.logger.error({ tenantId, calls, err: error }, 'API calls could not be metered; dropped after repeated failures');
          continue;
        }
        this.failures.set(tenantId, attempts);
        this.pending.set(tenantId, (this.pending.get(tenantId) ?? 0) + calls);
        if (attempts === 1) this.logger.warn({ tenantId, calls, err: error }, 'API calls could not be metered yet; retrying');
      }
    }
  }
}
