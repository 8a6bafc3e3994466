import { z } from 'zod';
import { pageQuerySchema } from '../../../../platform/http/pagination.js';
import { zodDto } from '../../../../platform/http/validation.js';

/** Plan ids; the billing issue gives them prices and limits. */
export const PLANS = ['free', 'pro', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];

const STATUSES = ['active', 'suspended', 'deleted'] as const;

/** The tenants_slug_format constraint of the kernel migration. */
export const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export class TenantIdParam extends zodDto(z.object({ id: z.guid() })) {}

export class ListTenantsQuery extends zodDto(
  pageQuerySchema.extend({
    /** Substring of the slug or the name, any case. */
    q: z.string().trim().min(1).max(100).optional(),
    status: z.enum(STATUSES).optional(),
    plan: z.enum(PLANS).optional(),
  }),
) {}

export const createTenantSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  /** Derived from the name when left out. */
  slug: z.string().trim().toLowerCase().regex(SLUG, 'lowercase letters, digits and inner hyphens, at most 63').optional(),
  plan: z.enum(PLANS).default('free'),
  ownerEmail: z.email().max(254).transform((e) => e.trim().toLowerCase()),
});
export class CreateTenantBody extends zodDto(createTenantSchema) {}
export type CreateTenantInput = z.output<typeof createTenantSchema>;

/**
 * Why a platform admin suspends, resumes, re-plans or deletes a tenant: required, and written to
 * the tenant's audit log with the action (the tenant and later admins can read it).
 */
export const reasonSchema = z.string().trim().min(1, 'a reason is required').max(500);

export class ReasonBody extends zodDto(z.strictObject({ reason: reasonSchema })) {}

export class ChangePlanBody extends zodDto(z.strictObject({ plan: z.enum(PLANS), reason: reasonSchema })) {}

export class AnalyticsQuery extends zodDto(z.object({ days: z.coerce.number().int().min(1).max(365).default(30) })) {}
