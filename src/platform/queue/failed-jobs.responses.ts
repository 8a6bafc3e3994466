import { z } from 'zod';
import { count, type Jsonified, named, pageOf, timestamp } from '../http/api-schemas.js';
import type { FailedJobView, RetriedJobView } from './failed-jobs.dto.js';

/** Response bodies of the failed-jobs routes (requests: failed-jobs.dto.ts). */
export const failedJobSchema = named(
  'FailedJob',
  z.object({
    queue: z.string(),
    id: z.string(),
    name: z.string(),
    tenantId: z.string().nullable(),
    failedReason: z.string(),
    attemptsMade: count,
    createdAt: timestamp,
    processedAt: timestamp.nullable(),
    failedAt: timestamp.nullable(),
  }),
) satisfies z.ZodType<Jsonified<FailedJobView>>;

export const failedJobPageSchema = pageOf('FailedJobPage', failedJobSchema);

export const retriedJobSchema = named('RetriedJob', z.object({ queue: z.string(), id: z.string(), state: z.string() })) satisfies z.ZodType<
  Jsonified<RetriedJobView>
>;
