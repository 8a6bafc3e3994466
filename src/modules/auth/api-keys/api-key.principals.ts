import { Injectable } from '@nestjs/common';
import { ACCESS_CACHE_TTL_MS, AccessEpochs } from '../../../platform/cache/access-epochs.js';
import { EpochCache } from '../../../platform/cache/epoch-cache.js';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { tokenHash } from '../../../platform/crypto/tokens.js';
import { AccessError } from '../../../platform/security/access.errors.js';
import { isPermission, isRole, ROLE_PERMISSIONS } from '../../../platform/security/permissions.js';
import { ApiKeyPrincipals, type Principal } from '../../../platform/security/principal.js';
import { parseApiKey } from './api-key-format.js';
import { type ApiKeyCredential, ApiKeysRepository } from './api-keys.repository.js';

/** Last-used times are written at most this often per key, so busy keys cost no write per call. */
export const LAST_USED_GRANULARITY_MS = 60_000;

/**
 * Authenticates API keys: the key names its tenant, so it is looked up by the hash of the whole
 * key under that tenant's RLS; a key of tenant A can never act in tenant B (editing the tenant part
 * changes the hash, and B's rows hold no key of A's anyway). Expired and revoked keys are 401.
 *
 * A key acts with its scopes, capped at every request by what its creator may do in the tenant now
 * (docs/adr/0005-passwords-and-sessions.md): demote the creator and the key loses the scopes the
 * new role lacks; remove the creator (or delete the account) and the key holds none. It acts as no
 * user: the principal has no userId, so user-owned rows (sessions, password resets, the creator's
 * other tenants) stay out of reach of a key.
 *
 * The key's row (with the tenant's status and the creator's role) is kept in memory under the
 * tenant's epoch (AccessEpochs), like a token's principal: revoking a key, changing a member's
 * role or the tenant's status announces itself, and the next request on any instance reads again.
 */
@Injectable()
export class ApiKeyPrincipalResolver extends ApiKeyPrincipals {
  private readonly credentials: EpochCache<ApiKeyCredential | null>;

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly ctx: TenantContext,
    private readonly epochs: AccessEpochs,
  ) {
    super();
    this.credentials = epochs.register(new EpochCache<ApiKeyCredential | null>(ACCESS_CACHE_TTL_MS));
  }

  async authenticate(rawKey: string): Promise<Principal> {
    const parsed = parseApiKey(rawKey);
    if (!parsed) throw AccessError.unauthenticated('Invalid API key');
    const { tenantId } = parsed;
    const now = new Date();
    const hash = tokenHash(parsed.raw);
    const cacheKey = `${tenantId}:${Buffer.from(hash).toString('base64')}`;
    const stamp = await this.epochs.read({ tenantId });
    let key = stamp && this.credentials.get(cacheKey, stamp);
    if (key === undefined) {
      key = (await this.ctx.run({ tenantId, actor: 'api_key' }, () => this.keys.findByHash(tenantId, hash))) ?? null;
      if (stamp) this.credentials.set(cacheKey, key, { tenantId }, stamp);
    }
    const usable = key && !key.revokedAt && (!key.expiresAt || key.expiresAt > now);
    const stale = new Date(now.getTime() - LAST_USED_GRANULARITY_MS);
    if (key && usable && (!key.lastUsedAt || key.lastUsedAt < stale)) {
      await this.ctx.run({ tenantId, actor: 'api_key' }, () => this.keys.touchLastUsed(tenantId, key.id, now, stale));
      key.lastUsedAt = now; // the cached row too: a busy key writes at most once a minute per instance
    }
    if (!key) throw AccessError.unauthenticated('Invalid API key');
    if (key.revokedAt) throw AccessError.unauthenticated('This API key has been revoked');
    if (key.expiresAt && key.expiresAt <= now) throw AccessError.unauthenticated('This API key has expired');
    const creatorMay = new Set<string>(isRole(key.creatorRole) ? ROLE_PERMISSIONS[key.creatorRole] : []);
    return {
      tenantId,
      tenantStatus: key.tenantStatus,
      apiKeyId: key.id,
      ...(key.rateLimitPerMinute !== null && { apiKeyRateLimit: key.rateLimitPerMinute }),
      isPlatformAdmin: false,
      epochStamp: stamp,
      roles: [],
      permissions: key.scopes.filter(isPermission).filter((scope) => creatorMay.has(scope)),
    };
  }
}
