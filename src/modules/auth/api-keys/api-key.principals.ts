import { Injectable } from '@nestjs/common';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { TenantDb } from '../../../platform/db/tenant-db.js';
import { tokenHash } from '../../../platform/crypto/tokens.js';
import { AccessError } from '../../../platform/security/access.errors.js';
import { isPermission } from '../../../platform/security/permissions.js';
import { ApiKeyPrincipals, type Principal } from '../../../platform/security/principal.js';
import { parseApiKey } from './api-key-format.js';

/** Last-used times are written at most this often per key, so busy keys cost no write per call. */
const LAST_USED_GRANULARITY_MS = 60_000;

/**
 * Authenticates API keys: the key names its tenant, so it is looked up by hash under that tenant's
 * RLS; a key of tenant A can never act in tenant B. Expired and revoked keys are 401. A key acts
 * with exactly its scopes (a subset of the permissions).
 */
@Injectable()
export class ApiKeyPrincipalResolver extends ApiKeyPrincipals {
  constructor(
    private readonly db: TenantDb,
    private readonly ctx: TenantContext,
  ) {
    super();
  }

  async authenticate(rawKey: string): Promise<Principal> {
    const parsed = parseApiKey(rawKey);
    if (!parsed) throw AccessError.unauthenticated('Invalid API key');
    const hash = tokenHash(parsed.raw);
    const key = await this.ctx.run({ tenantId: parsed.tenantId, actor: 'api_key' }, async () => {
      const found = await this.db.client.apiKey.findFirst({
        where: { tenantId: parsed.tenantId, keyHash: hash },
        select: { id: true, scopes: true, expiresAt: true, revokedAt: true, lastUsedAt: true, createdBy: true, tenant: { select: { status: true } } },
      });
      if (found && !found.revokedAt && (!found.expiresAt || found.expiresAt > new Date())) {
        if (!found.lastUsedAt || Date.now() - found.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS) {
          await this.db.client.apiKey.updateMany({ where: { tenantId: parsed.tenantId, id: found.id }, data: { lastUsedAt: new Date() } });
        }
      }
      return found;
    });
    if (!key) throw AccessError.unauthenticated('Invalid API key');
    if (key.revokedAt) throw AccessError.unauthenticated('This API key has been revoked');
    if (key.expiresAt && key.expiresAt <= new Date()) throw AccessError.unauthenticated('This API key has expired');
    return {
      tenantId: parsed.tenantId,
      tenantStatus: key.tenant.status,
      userId: key.createdBy ?? undefined,
      apiKeyId: key.id,
      isPlatformAdmin: false,
      roles: [],
      permissions: key.scopes.filter(isPermission),
    };
  }
}
