/**
 * `node dist/scripts/worker-health.js`: the worker's container healthcheck. Exits 0 when the
 * heartbeat file (WORKER_HEARTBEAT_FILE) was renewed within the last 30 s, 1 otherwise.
 */
import { stat } from 'node:fs/promises';
import { HEARTBEAT_MAX_AGE_MS } from '../src/platform/health/worker-heartbeat.js';

const file = process.env.WORKER_HEARTBEAT_FILE || '/tmp/tenantry-worker.heartbeat';
try {
  const age = Date.now() - (await stat(file)).mtimeMs;
  if (age > HEARTBEAT_MAX_AGE_MS) {
    console.error(`worker heartbeat is ${Math.round(age / 1000)} s old`);
    process.exit(1);
  }
} catch {
  console.error(`no worker heartbeat at ${file}`);
  process.exit(1);
}
