import 'reflect-metadata';
import { AppModule } from './app.module.js';
import { ConfigError, loadConfig } from './platform/config/config.js';
import { HealthService } from './platform/health/health.service.js';
import { startWorkerHeartbeat } from './platform/health/worker-heartbeat.js';
import { startWorkerProcess, stopOnSignals } from './platform/queue/worker-process.js';
import { startTracingFromConfig } from './platform/observability/tracing.js';

/**
 * `npm run worker`: the job processors alone, without HTTP (run the API with WORKER_ENABLED=false
 * beside it, or keep the default and let the API process run them too). Same configuration as
 * the API; WORKER_ENABLED is forced on here.
 */
async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, WORKER_ENABLED: 'true' });
  startTracingFromConfig(config, 'tenantry-worker');
  const app = await startWorkerProcess(AppModule.forRoot(config));
  startWorkerHeartbeat(app.get(HealthService), config.env.WORKER_HEARTBEAT_FILE);
  stopOnSignals(app, { graceMs: config.env.SHUTDOWN_GRACE_MS });
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
