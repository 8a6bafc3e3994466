import { z } from 'zod';

/**
 * Claims of a Tenantry access token, beyond iss/aud/iat which AccessTokenVerifier checks. `exp`
 * and `sid` are required (issue 9 §6): a token without an expiry would never end, and one without
 * a session would survive signing out; neither is ever issued.
 * - `typ: access`: a user acting in one tenant (`tid`).
 * - `typ: platform`: a platform administrator signed in to no tenant (a platform session): no
 *   `tid`, always a session (`sid`); accepted on @PlatformAdminOnly and @AllowPlatformSession
 *   routes only (docs/adr/0005).
 */
export const accessTokenClaims = z.discriminatedUnion('typ', [
  z.object({
    sub: z.guid(),
    tid: z.guid(),
    sid: z.string().min(1),
    typ: z.literal('access'),
    exp: z.number(),
  }),
  z.object({
    sub: z.guid(),
    sid: z.guid(),
    typ: z.literal('platform'),
    exp: z.number(),
  }),
]);
export type AccessTokenClaims = z.infer<typeof accessTokenClaims>;
export type TenantAccessClaims = Extract<AccessTokenClaims, { typ: 'access' }>;
export type PlatformAccessClaims = Extract<AccessTokenClaims, { typ: 'platform' }>;

/** The only algorithm accepted or issued. Pinned: `alg: none` and algorithm confusion are 401. */
export const ACCESS_TOKEN_ALGORITHM = 'HS256' as const;
