import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { AuditLog } from '../../../platform/audit/audit-log.js';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { tokenHash } from '../../../platform/crypto/tokens.js';
import { TenantDb } from '../../../platform/db/tenant-db.js';
import { decodeCursor, type Page, toPage } from '../../../platform/http/pagination.js';
import { type Permission, PERMISSIONS } from '../../../platform/security/permissions.js';
import { newApiKey } from './api-key-format.js';
import { ApiKeyError, ApiKeyErrorCode } from './api-keys.errors.js';
import { ApiKeysRepository, type ApiKeyView } from './api-keys.repository.js';

/** Keys live at most this long: 366 days, so "a year from today" always fits. */
export const MAX_API_KEY_LIFETIME_MS = 366 * 24 * 60 * 60 * 1000;

export interface CreateApiKeyInput {
  name: string;
  scopes: Permission[];
  /** No expiry when left out. */
  expiresAt?: Date;
  /** Requests per minute of this key alone; left out: the plan's api_per_minute. */
  rateLimitPerMinute?: number;
}

/** The new key, with its raw value: the only time anyone sees it. */
export interface CreatedApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  expiresAt: Date | null;
  rateLimitPerMinute: number | null;
  createdAt: Date;
  key: string;
}

const cursorSchema = z.object({ createdAt: z.iso.datetime(), id: z.guid() });

/**
 * Tenant API keys: created with scopes drawn from the creator's own permissions (a key never holds
 * more than whoever made it, whether a user or another key), shown once, stored as a sha256 hash,
 * revocable. Authentication of keys is ApiKeyPrincipalResolver's job.
 */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly ctx: TenantContext,
    private readonly db: TenantDb,
    private readonly keys: ApiKeysRepository,
    private readonly audit: AuditLog,
  ) {}

  async create(input: CreateApiKeyInput): Promise<CreatedApiKey> {
    this.ctx.requirePermission('api-keys:manage');
    const tenantId = this.ctx.requireTenantId('creating an API key');
    const scopes = this.grantableScopes(input.scopes);
    const expiresAt = checkedExpiry(input.expiresAt, new Date());
    const { raw, prefix } = newApiKey(tenantId);
    return this.db.transaction(async () => {
      const createdBy = await this.responsibleUser(tenantId);
      const rateLimitPerMinute = input.rateLimitPerMinute ?? null;
      const key = await this.keys.create({ tenantId, name: input.name, prefix, keyHash: tokenHash(raw), scopes, createdBy, expiresAt, rateLimitPerMinute });
      await this.audit.record({
        action: 'api_key.created',
        targetType: 'api_key',
        targetId: key.id,
        data: { name: key.name, prefix: key.prefix, scopes: key.scopes, expiresAt: key.expiresAt, rateLimitPerMinute },
      });
      return {
        id: key.id,
        name: key.name,
        prefix: key.prefix,
        scopes: key.scopes,
        expiresAt: key.expiresAt,
        rateLimitPerMinute: key.rateLimitPerMinute,
        createdAt: key.createdAt,
        key: raw,
      };
    });
  }

  async list(query: { limit: number; cursor?: string }): Promise<Page<ApiKeyView>> {
    this.ctx.requirePermission('api-keys:manage');
    const tenantId = this.ctx.requireTenantId('listing API keys');
    const after = decodeCursor(query.cursor, cursorSchema);
    const rows = await this.keys.list(tenantId, query.limit + 1, after && { createdAt: new Date(after.createdAt), id: after.id });
    return toPage(rows, query.limit, (key) => ({ createdAt: key.createdAt.toISOString(), id: key.id }));
  }

  /** Idempotent: revoking a revoked key succeeds again (and is audited once). */
  async revoke(id: string): Promise<void> {
    this.ctx.requirePermission('api-keys:manage');
    const tenantId = this.ctx.requireTenantId('revoking an API key');
    await this.db.transaction(async () => {
      const key = await this.keys.findById(tenantId, id);
      if (!key) throw ApiKeyError.notFound();
      if (!(await this.keys.revoke(tenantId, id, new Date()))) return;
      await this.audit.record({ action: 'api_key.revoked', targetType: 'api_key', targetId: id, data: { name: key.name, prefix: key.prefix } });
    });
  }

  /** The requested scopes, deduplicated in matrix order, if the caller holds every one of them. */
  private grantableScopes(requested: readonly Permission[]): Permission[] {
    if (requested.length === 0) throw new ApiKeyError(ApiKeyErrorCode.InvalidScopes, 'An API key needs at least one scope', { field: 'scopes' });
    const held = new Set(this.ctx.current()?.permissions ?? []);
    const beyond = requested.filter((scope) => !held.has(scope));
    if (beyond.length > 0) {
      throw new ApiKeyError(ApiKeyErrorCode.ScopeNotAllowed, `You cannot grant scopes you do not hold: ${[...new Set(beyond)].join(', ')}`, {
        scopes: [...new Set(beyond)],
      });
    }
    return PERMISSIONS.filter((p) => requested.includes(p));
  }

  /** The user answerable for a new key: the caller, or for a key made by a key, that key's creator. */
  private async responsibleUser(tenantId: string): Promise<string | null> {
    const current = this.ctx.current();
    if (current?.userId) return current.userId;
    return current?.apiKeyId ? this.keys.creatorOf(tenantId, current.apiKeyId) : null;
  }
}

function checkedExpiry(expiresAt: Date | undefined, now: Date): Date | null {
  if (!expiresAt) return null;
  if (expiresAt.getTime() <= now.getTime()) {
    throw new ApiKeyError(ApiKeyErrorCode.InvalidExpiry, 'expiresAt must be in the future', { field: 'expiresAt' });
  }
  if (expiresAt.getTime() - now.getTime() > MAX_API_KEY_LIFETIME_MS) {
    throw new ApiKeyError(ApiKeyErrorCode.InvalidExpiry, 'expiresAt must be at most one year ahead', { field: 'expiresAt' });
  }
  return expiresAt;
}
