import { z } from 'zod';
import { pageQuerySchema } from '../http/pagination.js';
import { zodDto } from '../http/validation.js';

const queueName = z.string().regex(/^[\w-]{1,64}$/, 'must be a queue name');

export class ListFailedJobsQuery extends zodDto(pageQuerySchema.extend({ queue: queueName.optional() })) {}

export class JobRefParam extends zodDto(z.object({ queue: queueName, id: z.string().min(1).max(256) })) {}

export class QueueRefParam extends zodDto(z.object({ queue: queueName })) {}

/** A failed job as platform admins see it (its payload is not shown: it may carry personal data). */
export interface FailedJobView {
  queue: string;
  id: string;
  name: string;
  /** The tenant the job worked for (every tenant job's payload carries it), if any. */
  tenantId: string | null;
  failedReason: string;
  /** The first lines of the last failure's stack trace (empty when BullMQ kept none). */
  stacktrace: string[];
  attemptsMade: number;
  /** The attempts the job was given (its `attempts` option; 1 when unset). */
  attemptsAllowed: number;
  createdAt: string;
  processedAt: string | null;
  failedAt: string | null;
}

export interface RetriedJobView {
  queue: string;
  id: string;
  state: string;
}

/** One queue's jobs by state, for the console's tabs. */
export interface QueueSummaryView {
  queue: string;
  failed: number;
  waiting: number;
  active: number;
  delayed: number;
}

export interface RetriedJobsView {
  queue: string;
  /** Failed jobs put back in the queue by this call (at most one batch). */
  retried: number;
  /** Failed jobs still in the queue afterwards (beyond the batch, or failed again meanwhile). */
  remaining: number;
}
