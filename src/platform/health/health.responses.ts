import { z } from 'zod';
import { type Jsonified, named } from '../http/api-schemas.js';
import type { Readiness } from './health.service.js';

/** Response bodies of the probes. */
export const livenessSchema = named('Liveness', z.object({ status: z.literal('ok') }));

export const readinessSchema = named(
  'Readiness',
  z.object({
    status: z.enum(['ok', 'degraded', 'unavailable']),
    checks: z.record(z.string(), z.object({ status: z.enum(['up', 'down']), latencyMs: z.number().optional(), error: z.string().optional() })),
    rateLimits: z.object({
      status: z.enum(['enforced', 'failing_open']),
      since: z.string().optional(),
      reason: z.string().optional(),
      uncounted: z.number().int().optional(),
    }),
  }),
) satisfies z.ZodType<Jsonified<Readiness>>;
