import { z } from 'zod';
import { count, type Jsonified, named, pageOf, timestamp } from '../../../../platform/http/api-schemas.js';
import { tenantStatusSchema } from '../../dto/tenant.responses.js';
import type { PlatformAnalytics } from '../platform-analytics.service.js';
import { usageReportSchema } from '../../../usage/dto/usage.responses.js';
import type { AdminTenantView } from '../tenant-admin.repository.js';
import type { CreatedTenantView, TenantDetailView } from '../tenant-admin.service.js';

/** Response bodies of the platform administration routes (requests: tenant-admin.dto.ts). */
const adminTenant = {
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  status: tenantStatusSchema,
  plan: z.string(),
  createdAt: timestamp,
  suspendedAt: timestamp.nullable(),
  deletionScheduledAt: timestamp.nullable(),
  memberCount: count,
  ownerEmail: z.string().nullable().meta({ description: "The earliest owner's email; null when the tenant has no owner left" }),
};

export const adminTenantSchema = named('AdminTenant', z.object(adminTenant)) satisfies z.ZodType<Jsonified<AdminTenantView>>;

export const adminTenantPageSchema = pageOf('AdminTenantPage', adminTenantSchema);

export const createdTenantSchema = named(
  'CreatedTenant',
  z.object({
    ...adminTenant,
    owner: z.object({
      userId: z.string(),
      email: z.string(),
      invited: z.boolean().meta({ description: 'Sent a set-password link (a new user, or one who never set a password)' }),
    }),
  }),
) satisfies z.ZodType<Jsonified<CreatedTenantView>>;

export const adminTenantDetailSchema = named(
  'AdminTenantDetail',
  z.object({
    tenant: adminTenantSchema,
    members: z
      .array(z.object({ userId: z.string(), email: z.string(), name: z.string(), role: z.string(), joinedAt: timestamp }))
      .meta({ description: 'The first 50 members, oldest first; tenant.memberCount is the total' }),
    usage: usageReportSchema,
    subscription: z.object({
      status: z.string().meta({ description: "Stripe's subscription status, or 'none' without a subscription" }),
      stripeCustomerId: z.string().nullable(),
      stripeSubscriptionId: z.string().nullable(),
      stripePriceId: z.string().nullable(),
      currentPeriodEnd: timestamp.nullable(),
      cancelAtPeriodEnd: z.boolean(),
      graceUntil: timestamp.nullable(),
      billingSuspendedAt: timestamp.nullable(),
    }),
    auditEvents: z
      .array(
        z.object({
          seq: z.string(),
          id: z.string(),
          actorType: z.string(),
          actorId: z.string().nullable(),
          actorEmail: z.string().nullable().meta({ description: 'The acting user, when the actor is a user or platform admin' }),
          action: z.string(),
          targetType: z.string().nullable(),
          targetId: z.string().nullable(),
          data: z.unknown(),
          createdAt: timestamp,
        }),
      )
      .meta({ description: 'The latest 20 events of the tenant’s audit log, newest first' }),
  }),
) satisfies z.ZodType<Jsonified<TenantDetailView>>;

const perDay = z.array(z.object({ day: z.string().meta({ description: 'YYYY-MM-DD, UTC' }), count }));

export const platformAnalyticsSchema = named(
  'PlatformAnalytics',
  z.object({
    days: count,
    tenants: z.object({ total: count, byStatus: z.record(z.string(), count), byPlan: z.record(z.string(), count) }),
    users: z.object({ total: count }),
    signupsPerDay: perDay.meta({ description: 'Users created per UTC day, oldest first, zeros included' }),
    newTenantsPerDay: perDay.meta({ description: 'Tenants created per UTC day' }),
    loginsPerDay: perDay.meta({ description: 'Successful sign-ins (auth.login audit events) per UTC day' }),
    messagesPerDay: perDay.meta({ description: 'Chat messages stored per UTC day' }),
  }),
) satisfies z.ZodType<Jsonified<PlatformAnalytics>>;
