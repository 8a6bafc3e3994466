/**
 * A benchmark's server process: the real application (as main.ts builds it) or the floor
 * (bench/hotpath-floor.ts), listening on BENCH_PORT. It answers its parent's IPC messages with its
 * own CPU time, so the parent measures the server's CPU alone (the load generator runs elsewhere).
 */
import 'reflect-metadata';
import { createApp } from '../src/bootstrap.js';
import { loadConfig } from '../src/platform/config/config.js';
import { startFloor } from './hotpath-floor.js';

async function main(): Promise<void> {
  const port = Number(process.env.BENCH_PORT);
  let close: () => Promise<void>;
  if (process.env.BENCH_SERVER === 'floor') {
    close = await startFloor(port);
  } else {
    const app = await createApp(loadConfig());
    await app.listen({ host: '127.0.0.1', port });
    close = () => app.close();
  }
  process.on('message', (message: { type: string }) => {
    if (message.type === 'cpu') {
      const used = process.cpuUsage();
      process.send!({ type: 'cpu', ms: (used.user + used.system) / 1000 });
    } else if (message.type === 'stop') {
      void close().finally(() => process.exit(0));
    }
  });
  process.send!({ type: 'ready' });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
