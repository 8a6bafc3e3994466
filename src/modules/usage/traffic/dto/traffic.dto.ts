import { z } from 'zod';
import { named } from '../../../../platform/http/api-schemas.js';
import { zodDto } from '../../../../platform/http/validation.js';

/** `GET /usage/traffic?days=30`: the last `days` UTC days, today included. */
export const trafficQuerySchema = z.strictObject({
  days: z.coerce.number().int().min(1).max(90).default(30),
});
export class TrafficQuery extends zodDto(trafficQuerySchema) {}

const dayTraffic = z.object({
  day: z.iso.date(),
  requests: z.number().int(),
  /** Share of requests answered 5xx (0..1). */
  errorRate: z.number(),
  /** Share answered 4xx (0..1). */
  clientErrorRate: z.number(),
  /** Milliseconds; null on a day without requests. Interpolated from latency buckets. */
  p95LatencyMs: z.number().nullable(),
});

/** The response, also the OpenAPI schema of the route. */
export const trafficReportSchema = named(
  'TrafficReport',
  z.object({
  from: z.iso.date(),
  to: z.iso.date(),
  /** One entry per day with requests, oldest first. */
  daily: z.array(dayTraffic),
  /** Per API key over the whole range, busiest first; apiKeyId null: requests of signed-in users. */
  apiKeys: z.array(
    z.object({
      apiKeyId: z.guid().nullable(),
      /** The key's name and prefix; null for signed-in users' requests and for keys deleted since. */
      name: z.string().nullable(),
      prefix: z.string().nullable(),
      requests: z.number().int(),
      errorRate: z.number(),
      p95LatencyMs: z.number().nullable(),
      daily: z.array(dayTraffic),
    }),
  ),
  }),
);
export type TrafficReport = z.infer<typeof trafficReportSchema>;
export type DayTraffic = z.infer<typeof dayTraffic>;
