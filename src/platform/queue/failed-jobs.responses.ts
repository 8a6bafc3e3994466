import { z } from 'zod';
import { count, type Jsonified, named, pageOf, timestamp } from '../http/api-schemas.js';
import type { FailedJobView, QueueSummaryView, RetriedJobsView, RetriedJobView } from './failed-jobs.dto.js';

/** Response bodies of the failed-jobs routes (requests: failed-jobs.dto.ts). */
export const failedJobSchema = named(
  'FailedJob',
  z.object({
    queue: z.string(),
    id: z.string(),
    name: z.string(),
    tenantId: z.string().nullable(),
    failedReason: z.string(),
    stacktrace: z.array(z.string()).meta({ description: 'The first lines of the last failure’s stack trace' }),
    attemptsMade: count,
    attemptsAllowed: count,
    createdAt: timestamp,
    processedAt: timestamp.nullable(),
    failedAt: timestamp.nullable(),
  }),
) satisfies z.ZodType<Jsonified<FailedJobView>>;

export const failedJobPageSchema = pageOf('FailedJobPage', failedJobSchema);

export const retriedJobSchema = named('RetriedJob', z.object({ queue: z.string(), id: z.string(), state: z.string() })) satisfies z.ZodType<
  Jsonified<RetriedJobView>
>;

export const queueSummaryListSchema = named(
  'QueueSummaryList',
  z.object({ data: z.array(z.object({ queue: z.string(), failed: count, waiting: count, active: count, delayed: count })) }),
) satisfies z.ZodType<Jsonified<{ data: QueueSummaryView[] }>>;

export const retriedJobsSchema = named('RetriedJobs', z.object({ queue: z.string(), retried: count, remaining: count })) satisfies z.ZodType<
  Jsonified<RetriedJobsView>
>;
