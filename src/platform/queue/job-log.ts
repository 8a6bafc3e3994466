import type { LoggerService } from '@nestjs/common';
import type { Job, Worker } from 'bullmq';

/** Jobs carry their tenant explicitly (docs/adr/0007-jobs-on-bullmq.md); sweeps carry none. */
function tenantOf(job: Job | undefined): string | undefined {
  const data: unknown = job?.data;
  return typeof data === 'object' && data !== null && typeof (data as { tenantId?: unknown }).tenantId === 'string' ? (data as { tenantId: string }).tenantId : undefined;
}

function elapsed(job: Job | undefined): number | undefined {
  return job?.processedOn !== undefined && job.finishedOn !== undefined ? job.finishedOn - job.processedOn : undefined;
}

/** A job made by a job scheduler (the sweeps, every few seconds): BullMQ sets its repeatJobKey. */
function isRepeatable(job: Job | undefined): boolean {
  return job?.repeatJobKey !== undefined;
}

type JobLogger = Pick<LoggerService, 'log' | 'warn' | 'error'> & { debug: NonNullable<LoggerService['debug']> };

/**
 * One line when a job starts, completes or fails, with its queue, id and tenant. Repeatable jobs
 * (sweeps run every few seconds) log their start and completion at debug, so that they do not
 * drown the one-off jobs' lines at info; a failure is always a warning (an attempt that will be
 * retried) or an error (the last attempt), whatever the job.
 */
export function logJobEvents(worker: Pick<Worker, 'name' | 'on'>, logger: JobLogger): void {
  const fields = (job: Job | undefined) => ({ queue: worker.name, jobId: job?.id, job: job?.name, tenantId: tenantOf(job), attempt: job?.attemptsMade });
  const routine = (job: Job | undefined, message: object, text: string): void => {
    if (isRepeatable(job)) logger.debug(message, text);
    else logger.log(message, text);
  };
  worker.on('active', (job) => routine(job, fields(job), 'job started'));
  worker.on('completed', (job) => routine(job, { ...fields(job), durationMs: elapsed(job) }, 'job completed'));
  worker.on('failed', (job, error) => {
    const final = job ? job.attemptsMade >= (job.opts.attempts ?? 1) : undefined;
    const message = { ...fields(job), durationMs: elapsed(job), err: error, final };
    if (final === false) logger.warn(message, 'job failed (will be retried)');
    else logger.error(message, 'job failed');
  });
}
