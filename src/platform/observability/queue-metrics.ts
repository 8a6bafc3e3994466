import type { Job, Queue, Worker } from 'bullmq';
import { cachedFor, metrics } from './metrics.js';

const STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
/** Queue depths are read from Redis at most this often, however often Prometheus scrapes. */
export const QUEUE_COUNTS_TTL_MS = 5000;
const COUNTS_TIMEOUT_MS = 1000;

/** A scrape hook setting jobs_queue_jobs{queue, state}; bounded, as BullMQ waits for Redis for ever. */
export function queueDepthCollector(queues: readonly Queue[]): () => Promise<void> {
  const read = cachedFor(QUEUE_COUNTS_TTL_MS, async () => {
    const counts = await Promise.all(queues.map(async (queue) => [queue.name, await withTimeout(queue.getJobCounts(...STATES))] as const));
    return counts;
  });
  return async () => {
    for (const [queue, counts] of await read()) {
      for (const state of STATES) metrics.jobCounts.set({ queue, state }, counts[state] ?? 0);
    }
  };
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error('queue counts: no answer from Redis')), COUNTS_TIMEOUT_MS);
    }),
  ]);
}

/** Job duration and outcome (jobs_duration_seconds{queue, outcome}) from the worker's events. */
export function observeWorker(worker: Worker): void {
  const record = (job: Job | undefined, outcome: 'completed' | 'failed'): void => {
    if (!job?.processedOn) return;
    metrics.jobDuration.observe({ queue: worker.name, outcome }, Math.max(0, (job.finishedOn ?? Date.now()) - job.processedOn) / 1000);
  };
  worker.on('completed', (job) => record(job, 'completed'));
  worker.on('failed', (job) => record(job, 'failed'));
}
