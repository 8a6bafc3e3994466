import type pg from 'pg';
import { metrics, onScrape } from '../observability/metrics.js';

const pools = new Map<string, pg.Pool>();
let registered = false;

/**
 * Reports a pool's connections on every scrape (db_pool_connections{pool, state}); the latest pool
 * of a name wins (tests build several applications in one process).
 */
export function observePool(name: string, pool: pg.Pool): void {
  pools.set(name, pool);
  if (registered) return;
  registered = true;
  onScrape(() => {
    for (const [pool, p] of pools) {
      const total = p.totalCount;
      const idle = p.idleCount;
      metrics.poolConnections.set({ pool, state: 'total' }, total);
      metrics.poolConnections.set({ pool, state: 'idle' }, idle);
      metrics.poolConnections.set({ pool, state: 'in_use' }, total - idle);
      metrics.poolConnections.set({ pool, state: 'waiting' }, p.waitingCount);
      metrics.poolMax.set({ pool }, (p.options as { max?: number }).max ?? 10);
    }
  });
}
