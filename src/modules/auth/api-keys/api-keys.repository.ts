import { Injectable } from '@nestjs/common';
import { AccessEpochs } from '../../../platform/cache/access-epochs.js';
import { TenantDb } from '../../../platform/db/tenant-db.js';
import type { TenantStatusName } from '../../../platform/security/principal.js';

/** An API key as lists show it: never its hash, never the raw key. */
export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  /** Requests per minute of this key alone; null: the plan's api_per_minute. */
  rateLimitPerMinute: number | null;
}

/** What authentication needs to know about a key found by its hash. */
export interface ApiKeyCredential {
  id: string;
  scopes: string[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  rateLimitPerMinute: number | null;
  tenantStatus: TenantStatusName;
  /** The creator's role in the key's tenant now; null when the creator is gone or no longer a member. */
  creatorRole: string | null;
}

export interface NewApiKey {
  tenantId: string;
  name: string;
  prefix: string;
  keyHash: Uint8Array<ArrayBuffer>;
  scopes: string[];
  createdBy: string | null;
  expiresAt: Date | null;
  rateLimitPerMinute: number | null;
}

const VIEW = {
  id: true,
  name: true,
  prefix: true,
  scopes: true,
  createdBy: true,
  createdAt: true,
  expiresAt: true,
  revokedAt: true,
  lastUsedAt: true,
  rateLimitPerMinute: true,
} as const;

@Injectable()
export class ApiKeysRepository {
  constructor(
    private readonly db: TenantDb,
    private readonly epochs: AccessEpochs,
  ) {}

  create(key: NewApiKey): Promise<ApiKeyView> {
    return this.db.client.apiKey.create({ data: key, select: VIEW });
  }

  /** Newest first; `after` is the last key of the previous page. */
  list(tenantId: string, limit: number, after?: { createdAt: Date; id: string }): Promise<ApiKeyView[]> {
    return this.db.client.apiKey.findMany({
      where: {
        tenantId,
        ...(after && { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit,
      select: VIEW,
    });
  }

  findById(tenantId: string, id: string): Promise<ApiKeyView | null> {
    return this.db.client.apiKey.findFirst({ where: { tenantId, id }, select: VIEW });
  }

  /** Revokes the key if it is not revoked yet; false when there was nothing to revoke. */
  async revoke(tenantId: string, id: string, at: Date): Promise<boolean> {
    const { count } = await this.db.client.apiKey.updateMany({ where: { tenantId, id, revokedAt: null }, data: { revokedAt: at } });
    if (count > 0) await this.epochs.changed({ tenantId }); // cached keys read again, on every instance
    return count > 0;
  }

  async creatorOf(tenantId: string, id: string): Promise<string | null> {
    const key = await this.db.client.apiKey.findFirst({ where: { tenantId, id }, select: { createdBy: true } });
    return key?.createdBy ?? null;
  }

  async findByHash(tenantId: string, keyHash: Uint8Array<ArrayBuffer>): Promise<ApiKeyCredential | null> {
    const key = await this.db.client.apiKey.findFirst({
      where: { tenantId, keyHash },
      select: {
        id: true,
        scopes: true,
        createdBy: true,
        expiresAt: true,
        revokedAt: true,
        lastUsedAt: true,
        rateLimitPerMinute: true,
        tenant: { select: { status: true } },
      },
    });
    if (!key) return null;
    const { tenant, createdBy, ...rest } = key;
    const creator = createdBy
      ? await this.db.client.membership.findUnique({ where: { tenantId_userId: { tenantId, userId: createdBy } }, select: { role: true } })
      : null;
    return { ...rest, tenantStatus: tenant.status, creatorRole: creator?.role ?? null };
  }

  /** Only moves forward, and only when the stored time is older than `staleBefore` (cheap for busy keys). */
  async touchLastUsed(tenantId: string, id: string, at: Date, staleBefore: Date): Promise<void> {
    await this.db.client.apiKey.updateMany({
      where: { tenantId, id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: staleBefore } }] },
      data: { lastUsedAt: at },
    });
  }
}
