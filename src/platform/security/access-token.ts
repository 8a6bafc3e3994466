import { z } from 'zod';

/**
 * Claims of a Tenantry access token, beyond iss/aud/exp/iat which passport-jwt verifies.
 * - `typ: access`: a user acting in one tenant (`tid`).
 * - `typ: platform`: a platform administrator signed in to no tenant (a platform session): no
 *   `tid`, always a session (`sid`); accepted on @PlatformAdminOnly and @AllowPlatformSession
 *   routes only (docs/adr/0005).
 */
export const accessTokenClaims = z.discriminatedUnion('typ', [
  z.object({
    sub: z.guid(),
    tid: z.guid(),
    sid: z.string().min(1).optional(),
    typ: z.literal('access'),
  }),
  z.object({
    sub: z.guid(),
    sid: z.guid(),
    typ: z.literal('platform'),
  }),
]);
export type AccessTokenClaims = z.infer<typeof accessTokenClaims>;
export type TenantAccessClaims = Extract<AccessTokenClaims, { typ: 'access' }>;
export type PlatformAccessClaims = Extract<AccessTokenClaims, { typ: 'platform' }>;

/** The only algorithm accepted or issued. Pinned: `alg: none` and algorithm confusion are 401. */
export const ACCESS_TOKEN_ALGORITHM = 'HS256' as const;
