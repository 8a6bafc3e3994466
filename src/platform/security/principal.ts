import type { RouteAccess } from './decorators.js';
import type { EpochStamp } from '../cache/epoch-cache.js';
import type { AccessTokenClaims } from './access-token.js';
import type { Permission, Role } from './permissions.js';

export type TenantStatusName = 'active' | 'suspended' | 'deleted';

/** Who is calling, resolved on every request from a verified access token or an API key. */
export interface Principal {
  /**
   * The tenant acted in. Undefined only for a platform session (a platform admin signed in to no
   * tenant): the guard lets it through to @PlatformAdminOnly and @AllowPlatformSession routes only.
   */
  tenantId?: string;
  tenantStatus?: TenantStatusName;
  /**
   * The user (access tokens). Undefined for API keys: a key acts as itself, never as its creator
   * (user-owned data such as sessions and other tenants stay out of its reach).
   */
  userId?: string;
  /** Set when the caller is an API key. */
  apiKeyId?: string;
  /** The key's own requests per minute, when it has one (below the plan's api_per_minute). */
  apiKeyRateLimit?: number;
  isPlatformAdmin: boolean;
  /** The cache epochs read while resolving this principal (AccessEpochs), for the request's context. */
  epochStamp?: EpochStamp;
  roles: Role[];
  permissions: Permission[];
}

/**
 * Resolves the principal of an access token. The kernel's guard depends on this abstraction; the
 * identity module provides it, reading membership, role, tenant status and the user's platform
 * flag from the database on every request (a removed member or a suspended tenant loses access at
 * once, not when the token expires). Throws AccessError (401) when the token no longer holds.
 */
export abstract class AccessTokenPrincipals {
  /**
   * `stamp`: the cache epochs of the claims' tenant and user, when the caller has read them already
   * (EdgeAdmission, in the same round trip as the rate limit); else they are read here.
   */
  abstract resolve(claims: AccessTokenClaims, stamp?: EpochStamp): Promise<Principal>;

  /**
   * From memory only: the epochs under which a principal of these claims was cached that still
   * holds (a member, a live session) in an active tenant and passes the route's rules (`access`:
   * its permission, platform admins only); undefined when there is none. Such a principal may be
   * counted against its tenant's rate limit before the guard runs, if the epochs in Redis still
   * read the same (EdgeAdmission).
   */
  abstract admittedStamp(claims: AccessTokenClaims, access: RouteAccess): EpochStamp | undefined;
}

/** Resolves the principal of a raw API key (`X-API-Key`, or `Bearer tnry_...`); 401 when invalid. */
export abstract class ApiKeyPrincipals {
  abstract authenticate(rawKey: string): Promise<Principal>;
}

/** Raw API keys start with this, which tells them apart from JWTs in an Authorization header. */
export const API_KEY_PREFIX = 'tnry_';
