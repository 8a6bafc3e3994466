import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { TenantDb } from '../db/tenant-db.js';
import { RedisClient } from '../redis/redis.module.js';

export interface Readiness {
  status: 'ok' | 'unavailable';
  checks: Record<string, { status: 'up' | 'down'; latencyMs?: number; error?: string }>;
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
    const ok = Object.values(checks).every((c) => c.status === 'up');
    return { status: ok ? 'ok' : 'unavailable', checks };
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
