import { z } from 'zod';

/** Claims of a Tenantry access token, beyond iss/aud/exp/iat which passport-jwt verifies. */
export const accessTokenClaims = z.object({
  sub: z.guid(),
  tid: z.guid(),
  sid: z.string().min(1).optional(),
  typ: z.literal('access'),
});
export type AccessTokenClaims = z.infer<typeof accessTokenClaims>;

/** The only algorithm accepted or issued. Pinned: `alg: none` and algorithm confusion are 401. */
export const ACCESS_TOKEN_ALGORITHM = 'HS256' as const;
