import { z } from 'zod';
import { count, type Jsonified, named, timestamp } from '../../../platform/http/api-schemas.js';
import { ROLES } from '../../../platform/security/permissions.js';
import type { MeView } from '../me/me.service.js';
import type { PlatformSessionTokens, SessionTokens } from '../sessions/sessions.service.js';

/** Response bodies of the auth routes (request bodies: auth.dto.ts). */
const tokenPair = {
  tokenType: z.literal('Bearer'),
  accessToken: z.string(),
  expiresIn: count.meta({ description: 'Seconds until the access token expires' }),
  refreshToken: z.string().meta({ description: 'Opaque; rotated on every use: keep only the newest' }),
  refreshTokenExpiresAt: timestamp,
  userId: z.string(),
};

const role = z.enum(ROLES);
const tenantStatus = z.enum(['active', 'suspended', 'deleted']);

export const sessionTokensSchema = named(
  'SessionTokens',
  z.object({ ...tokenPair, tenant: z.object({ id: z.string(), slug: z.string(), name: z.string(), role }) }),
) satisfies z.ZodType<Jsonified<SessionTokens>>;

export const platformSessionTokensSchema = named(
  'PlatformSessionTokens',
  z
    .object({ ...tokenPair, tenant: z.null(), platformAdmin: z.literal(true) })
    .meta({ description: 'A platform session: a platform admin signed in to no tenant (admin routes and GET /me only)' }),
) satisfies z.ZodType<Jsonified<PlatformSessionTokens>>;

export const signInSchema = named('SignIn', z.union([sessionTokensSchema, platformSessionTokensSchema]));

const myTenant = { id: z.string(), slug: z.string(), name: z.string(), status: tenantStatus };

export const meSchema = named(
  'Me',
  z.object({
    user: z.object({ id: z.string(), email: z.string(), name: z.string(), isPlatformAdmin: z.boolean() }),
    tenant: z.object(myTenant).nullable().meta({ description: 'The tenant of the access token; null for a platform session' }),
    role: role.nullable(),
    tenants: z.array(z.object({ ...myTenant, role })),
  }),
) satisfies z.ZodType<Jsonified<MeView>>;
