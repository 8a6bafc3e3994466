import { z } from 'zod';
import { pageQuerySchema } from '../http/pagination.js';
import { zodDto } from '../http/validation.js';

const queueName = z.string().regex(/^[\w-]{1,64}$/, 'must be a queue name');

export class ListFailedJobsQuery extends zodDto(pageQuerySchema.extend({ queue: queueName.optional() })) {}

export class JobRefParam extends zodDto(z.object({ queue: queueName, id: z.string().min(1).max(256) })) {}

/** A failed job as platform admins see it (its payload is not shown: it may carry personal data). */
export interface FailedJobView {
  queue: string;
  id: string;
  name: string;
  /** The tenant the job worked for (every tenant job's payload carries it), if any. */
  tenantId: string | null;
  failedReason: string;
  attemptsMade: number;
  createdAt: string;
  processedAt: string | null;
  failedAt: string | null;
}

export interface RetriedJobView {
  queue: string;
  id: string;
  state: string;
}
