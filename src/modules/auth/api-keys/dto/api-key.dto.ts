import { z } from 'zod';
import { pageQuerySchema } from '../../../../platform/http/pagination.js';
import { zodDto } from '../../../../platform/http/validation.js';
import { PERMISSIONS } from '../../../../platform/security/permissions.js';

/** Strict: a body naming tenantId, keyHash, prefix or createdBy is refused, not silently dropped. */
export const createApiKeySchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  scopes: z
    .array(z.enum(PERMISSIONS))
    .min(1)
    .max(PERMISSIONS.length)
    .transform((scopes) => [...new Set(scopes)]),
  expiresAt: z.iso.datetime({ offset: true }).transform((value) => new Date(value)).optional(),
  /** Requests per minute of this key alone, below the plan's rate (which still caps the tenant's sum). */
  rateLimitPerMinute: z.number().int().min(1).max(1_000_000).optional(),
});

export class CreateApiKeyBody extends zodDto(createApiKeySchema) {}

export class ListApiKeysQuery extends zodDto(pageQuerySchema) {}

export class ApiKeyParams extends zodDto(z.object({ id: z.guid() })) {}
