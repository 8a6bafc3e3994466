import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { TenantDb } from '../db/tenant-db.js';
import { type RateLimitStatus, RateLimitHealth } from '../rate-limit/rate-limit-health.js';
import { RedisClient } from '../redis/redis.module.js';

/**
 * ok: every dependency up. degraded: Redis is down or rate limits are failing open; the API still
 * serves (rate limits fail open, jobs wait), so the instance stays in rotation: taking every
 * instance out because a shared Redis is down would turn it into a full outage. unavailable:
 * PostgreSQL is down or the process is shutting down.
 */
export interface Readiness {
  status: 'ok' | 'degraded' | 'unavailable';
  checks: Record<string, { status: 'up' | 'down'; latencyMs?: number; error?: string }>;
  rateLimits: RateLimitStatus;
}

const CHECK_TIMEOUT_MS = 1000;

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

@Injectable()
export class HealthService implements BeforeApplicationShutdown {
  private shuttingDown = false;

  constructor(
    private readonly db: TenantDb,
    private readonly redis: RedisClient,
    private readonly rateLimits: RateLimitHealth,
  ) {}

  /** Load balancers stop sending traffic as soon as shutdown begins. */
  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
  }

  async readiness(): Promise<Readiness> {
    const [postgres, redis] = await Promise.all([
      this.probe(() => this.db.pool.query('select 1')),
      this.probe(() => this.redis.redis.ping()),
    ]);
    const checks: Readiness['checks'] = { postgres, redis };
    if (this.shuttingDown) checks.shutdown = { status: 'down', error: 'shutting down' };
    let rateLimits = this.rateLimits.status();
    if (redis.status === 'down' && rateLimits.status === 'enforced') {
      // No decision has failed yet (no traffic since Redis went), but the next one will.
      rateLimits = { status: 'failing_open', reason: `redis: ${redis.error ?? 'down'}` };
    }
    const status =
      postgres.status === 'down' || this.shuttingDown ? 'unavailable' : redis.status === 'down' || rateLimits.status === 'failing_open' ? 'degraded' : 'ok';
    return { status, checks, rateLimits };
  }

  private async probe(fn: () => Promise<unknown>): Promise<Readiness['checks'][string]> {
    const started = performance.now();
    try {
      await withTimeout(fn(), CHECK_TIMEOUT_MS);
      return { status: 'up', latencyMs: Math.round((performance.now() - started) * 10) / 10 };
    } catch (error) {
      return { status: 'down', error: error instanceof Error ? error.message : String(error) };
    }
  }
}
