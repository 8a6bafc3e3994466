import { z } from 'zod';
import { type Jsonified, named, pageOf, timestamp } from '../../../../platform/http/api-schemas.js';
import type { ApiKeyView } from '../api-keys.repository.js';
import type { CreatedApiKey } from '../api-keys.service.js';

/** Response bodies of the API key routes (request bodies: api-key.dto.ts). */
const rateLimitPerMinute = z.number().int().nullable().meta({ description: "Requests per minute of this key alone; null: the plan's api_per_minute" });

export const apiKeySchema = named(
  'ApiKey',
  z.object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(z.string()),
    createdBy: z.string().nullable(),
    createdAt: timestamp,
    expiresAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
    lastUsedAt: timestamp.nullable(),
    rateLimitPerMinute,
  }),
) satisfies z.ZodType<Jsonified<ApiKeyView>>;

export const apiKeyPageSchema = pageOf('ApiKeyPage', apiKeySchema);

export const createdApiKeySchema = named(
  'CreatedApiKey',
  z.object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(z.string()),
    expiresAt: timestamp.nullable(),
    rateLimitPerMinute,
    createdAt: timestamp,
    key: z.string().meta({ description: 'The raw key (`tnry_...`), shown this once' }),
  }),
) satisfies z.ZodType<Jsonified<CreatedApiKey>>;
