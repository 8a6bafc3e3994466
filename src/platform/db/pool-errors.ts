import { Logger } from '@nestjs/common';
import type pg from 'pg';
import { RepeatedErrors } from '../observability/repeated-errors.js';

/**
 * An idle pooled connection that dies (e.g. PostgreSQL restarts) emits 'error' on the pool; without
 * a listener that crashes the process. Log it (once per kind, then counted: a restart kills every
 * idle connection at once); the pool replaces the connection on next use.
 */
export function attachPoolErrorLogger(pool: pg.Pool, name: string): void {
  const logger = new Logger(`DbPool:${name}`);
  const repeated = new RepeatedErrors((kind, repeats, windowMs) => logger.warn({ repeats, windowMs }, `${repeats} more idle connection errors (${kind})`));
  pool.on('error', (err) => repeated.report(err.message, () => logger.warn(`idle connection error: ${err.message}`)));
}
