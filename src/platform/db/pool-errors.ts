import { Logger } from '@nestjs/common';
import type pg from 'pg';

/**
 * An idle pooled connection that dies (e.g. PostgreSQL restarts) emits 'error' on the pool; without
 * a listener that crashes the process. Log it; the pool replaces the connection on next use.
 */
export function attachPoolErrorLogger(pool: pg.Pool, name: string): void {
  const logger = new Logger(`DbPool:${name}`);
  pool.on('error', (err) => logger.warn(`idle connection error: ${err.message}`));
}
