import { z } from 'zod';
import { type Jsonified, named, timestamp } from '../../../platform/http/api-schemas.js';
import type { DeletionView } from '../lifecycle/erasure-schedule.js';
import type { TenantView } from '../tenant.repository.js';

/** Response bodies of the tenant routes (request bodies: tenant.dto.ts). */
export const tenantStatusSchema = z.enum(['active', 'suspended', 'deleted']);

export const tenantSchema = named(
  'Tenant',
  z.object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    status: tenantStatusSchema,
    createdAt: timestamp,
    settings: z
      .object({ displayName: z.string(), locale: z.string(), timezone: z.string(), supportEmail: z.string().nullable() })
      .nullable(),
  }),
) satisfies z.ZodType<Jsonified<TenantView>>;

export const tenantDeletionSchema = named(
  'TenantDeletion',
  z.object({
    id: z.string(),
    status: z.literal('deleted'),
    deletionScheduledAt: timestamp.meta({ description: 'When every row of the tenant is erased, unless a platform admin resumes it first' }),
  }),
) satisfies z.ZodType<Jsonified<DeletionView>>;
