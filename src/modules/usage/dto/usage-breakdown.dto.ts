import { z } from 'zod';
import { type Jsonified, named } from '../../../platform/http/api-schemas.js';
import { zodDto } from '../../../platform/http/validation.js';
import type { UsageBreakdown } from '../breakdown/usage-breakdown.service.js';

const day = z.iso.date();

/** Whole UTC days, both included; default: the current period's first day to today. */
export class UsageBreakdownQuery extends zodDto(z.strictObject({ from: day.optional(), to: day.optional() })) {}

const consumption = { messages: z.int(), promptTokens: z.int(), completionTokens: z.int() };

/** Response body of GET /usage/breakdown. */
export const usageBreakdownSchema = named(
  'UsageBreakdown',
  z.object({
    from: day,
    to: day,
    totals: z.object({ ...consumption, apiCalls: z.int() }),
    members: z.array(z.object({ userId: z.guid(), name: z.string().nullable(), email: z.string().nullable(), ...consumption })),
    apiKeys: z.array(z.object({ apiKeyId: z.guid(), name: z.string().nullable(), prefix: z.string().nullable(), ...consumption })),
    models: z.array(z.object({ model: z.string().nullable(), ...consumption })),
    widget: z.object(consumption),
  }),
) satisfies z.ZodType<Jsonified<UsageBreakdown>>;
