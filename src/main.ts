import { createApp } from './bootstrap.js';
import { describeDemoUsers } from './demo-users.js';
import { ConfigError, loadConfig } from './platform/config/config.js';
import { startTracingFromConfig } from './platform/observability/tracing.js';

async function main(): Promise<void> {
  const config = loadConfig();
  startTracingFromConfig(config, 'tenantry-api');
  const app = await createApp(config);
  await app.listen({ host: config.env.HOST, port: config.env.PORT });
  // Development only: the seed's demo users, so that the first sign-in needs no README.
  if (config.env.NODE_ENV === 'development') process.stdout.write(`${describeDemoUsers(config.env.APP_BASE_URL).join('\n')}\n`);

  // SIGTERM: stop accepting, let in-flight requests finish, close pools; give up after the grace period.
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    const timer = setTimeout(() => {
      console.error(`shutdown: still busy after ${config.env.SHUTDOWN_GRACE_MS} ms, exiting`);
      process.exit(1);
    }, config.env.SHUTDOWN_GRACE_MS).unref();
    app
      .close()
      .then(() => {
        clearTimeout(timer);
        process.exit(0);
      })
      .catch((error: unknown) => {
        console.error(`shutdown after ${signal} failed`, error);
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  // Start-up failures (bad config, unsafe RLS, unreachable database) say why and stop the process.
  console.error(error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
