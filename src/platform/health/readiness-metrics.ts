import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { cachedFor, metrics, onScrape } from '../observability/metrics.js';
import { HealthService } from './health.service.js';

const READINESS_TTL_MS = 5000;
const STATUSES = ['ok', 'degraded', 'unavailable'] as const;

/** The readiness checks on every scrape (cached briefly): health_readiness{status}, health_check_up{check}. */
@Injectable()
export class ReadinessMetrics implements OnModuleInit, OnModuleDestroy {
  private remove?: () => void;

  constructor(private readonly health: HealthService) {}

  onModuleInit(): void {
    const read = cachedFor(READINESS_TTL_MS, () => this.health.readiness());
    this.remove = onScrape(async () => {
      const readiness = await read();
      for (const status of STATUSES) metrics.readiness.set({ status }, readiness.status === status ? 1 : 0);
      for (const [check, result] of Object.entries(readiness.checks)) metrics.healthCheckUp.set({ check }, result.status === 'up' ? 1 : 0);
    });
  }

  onModuleDestroy(): void {
    this.remove?.();
  }
}
