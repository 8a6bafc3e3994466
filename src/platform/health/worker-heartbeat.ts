import { utimes, writeFile } from 'node:fs/promises';
import type { HealthService } from './health.service.js';

/** How often the worker proves it is alive, and how old a heartbeat may be before it is unhealthy. */
export const HEARTBEAT_INTERVAL_MS = 10_000;
export const HEARTBEAT_MAX_AGE_MS = 3 * HEARTBEAT_INTERVAL_MS;

/**
 * The worker serves no HTTP, so its container healthcheck reads a file instead: every interval,
 * while PostgreSQL answers and the process is not shutting down, the file's time is renewed.
 * `node dist/scripts/worker-health.js` (docker-compose's healthcheck) fails when it is too old.
 */
export function startWorkerHeartbeat(health: Pick<HealthService, 'readiness'>, file: string, intervalMs = HEARTBEAT_INTERVAL_MS): () => void {
  let running = false;
  const beat = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      const readiness = await health.readiness();
      if (readiness.status === 'unavailable') return;
      const now = new Date();
      await utimes(file, now, now).catch(() => writeFile(file, `${now.toISOString()}\n`));
    } catch {
      // A missed beat is the signal; the healthcheck reports it.
    } finally {
      running = false;
    }
  };
  void beat();
  const timer = setInterval(() => void beat(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
