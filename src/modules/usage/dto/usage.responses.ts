import { z } from 'zod';
import { count, type Jsonified, named, timestamp } from '../../../platform/http/api-schemas.js';
import { USAGE_METRICS } from '../usage-metrics.js';
import type { UsageReport } from '../usage.service.js';

/** Response body of GET /usage. */
const metric = z.enum(USAGE_METRICS);

export const usageReportSchema = named(
  'UsageReport',
  z.object({
    periodStart: z.string().meta({ format: 'date', description: 'The first day of the period (UTC)' }),
    resetAt: timestamp,
    metrics: z.array(z.object({ metric, used: count, reserved: count, limit: count.nullable().meta({ description: 'null: unlimited' }) })),
    daily: z.array(z.object({ day: z.string().meta({ description: 'YYYY-MM-DD, UTC' }), metric, amount: count })),
  }),
) satisfies z.ZodType<Jsonified<UsageReport>>;
