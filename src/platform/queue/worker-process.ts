import type { DynamicModule, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { QueueWorkers } from './queue-workers.js';

/**
 * The application without HTTP, running only the job processors (`npm run worker`). The root
 * module must be built with WORKER_ENABLED=true; a worker that would process nothing refuses to
 * start rather than idle silently.
 */
export async function startWorkerProcess(root: DynamicModule): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(root, { bufferLogs: true, abortOnError: false });
  try {
    app.useLogger(app.get(Logger));
    await app.init();
    const workers = app.get(QueueWorkers);
    if (!workers.enabled) throw new Error('the worker process needs WORKER_ENABLED=true');
    if (workers.queues.length === 0) throw new Error('the worker process found no job processor to run');
    return app;
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
}

export interface StopOptions {
  /** How long running jobs may take to finish before the process exits anyway. */
  graceMs: number;
  signals?: readonly NodeJS.Signals[];
  /** process.exit, unless a test watches it. */
  exit?: (code: number) => void;
  log?: (message: string, error?: unknown) => void;
}

/**
 * On SIGTERM (or SIGINT): stop taking jobs, let the running ones finish (BullMQ's worker.close()
 * waits for them), then close the application (pools, Redis) and exit 0. After `graceMs` the
 * process exits 1 anyway; a job cut short there is found stalled by BullMQ and run again
 * (at least once: processors are idempotent, docs/adr/0007-jobs-on-bullmq.md).
 * Returns a function that removes the handlers.
 */
export function stopOnSignals(app: INestApplicationContext, options: StopOptions): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const log = options.log ?? ((message: string, error?: unknown) => console.error(message, error ?? ''));
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => {
      log(`worker: jobs still running ${options.graceMs} ms after ${signal}, exiting`);
      exit(1);
    }, options.graceMs);
    timer.unref();
    app
      .get(QueueWorkers)
      .close()
      .then(() => app.close())
      .then(() => {
        clearTimeout(timer);
        exit(0);
      })
      .catch((error: unknown) => {
        clearTimeout(timer);
        log(`worker: shutdown after ${signal} failed`, error);
        exit(1);
      });
  };
  const handlers = signals.map((signal) => [signal, () => stop(signal)] as const);
  for (const [signal, handler] of handlers) process.once(signal, handler);
  return () => {
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
  };
}
