import { Injectable } from '@nestjs/common';
import { TenantDb } from '../../../platform/db/tenant-db.js';

export type ExportStatus = 'pending' | 'ready' | 'failed';

export interface ExportRow {
  id: string;
  status: ExportStatus;
  sizeBytes: number | null;
  createdAt: Date;
  completedAt: Date | null;
  expiresAt: Date | null;
}

export interface MemberUser {
  id: string;
  email: string;
  name: string;
  createdAt: Date;
  updatedAt: Date;
}

const ROW = { id: true, status: true, sizeBytes: true, createdAt: true, completedAt: true, expiresAt: true } as const;

/** The tenant's export requests and archives (RLS: the tenant in context only). */
@Injectable()
export class TenantExportsRepository {
  constructor(private readonly db: TenantDb) {}

  async create(tenantId: string, id: string, requestedBy: string | undefined): Promise<void> {
    await this.db.client.tenantExport.create({ data: { tenantId, id, requestedBy: requestedBy ?? null }, select: { id: true } });
  }

  /** Newest first, keyset after `after` (createdAt desc, id desc). */
  async list(tenantId: string, take: number, after?: { createdAt: Date; id: string }): Promise<ExportRow[]> {
    const rows = await this.db.client.tenantExport.findMany({
      where: { tenantId, ...(after && { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take,
      select: ROW,
    });
    return rows as ExportRow[];
  }

  async find(tenantId: string, id: string): Promise<ExportRow | null> {
    return (await this.db.client.tenantExport.findUnique({ where: { tenantId_id: { tenantId, id } }, select: ROW })) as ExportRow | null;
  }

  async findArchive(tenantId: string, id: string): Promise<{ status: ExportStatus; archive: Uint8Array | null; expiresAt: Date | null } | null> {
    return (await this.db.client.tenantExport.findUnique({
      where: { tenantId_id: { tenantId, id } },
      select: { status: true, archive: true, expiresAt: true },
    })) as { status: ExportStatus; archive: Uint8Array | null; expiresAt: Date | null } | null;
  }

  /** Stores the archive of a pending export; false if it was not pending (already built, or failed). */
  async markReady(tenantId: string, id: string, archive: Uint8Array<ArrayBuffer>, expiresAt: Date): Promise<boolean> {
    const { count } = await this.db.client.tenantExport.updateMany({
      where: { tenantId, id, status: 'pending' },
      data: { status: 'ready', archive, sizeBytes: archive.byteLength, completedAt: new Date(), expiresAt },
    });
    return count === 1;
  }

  async markFailed(tenantId: string, id: string, error: string): Promise<void> {
    await this.db.client.tenantExport.updateMany({
      where: { tenantId, id, status: 'pending' },
      data: { status: 'failed', error, completedAt: new Date() },
    });
  }

  /**
   * Deletes at most `limit` exports (archive included) that expired before `now`, soonest expired
   * first; returns how many and the archive bytes they held.
   */
  async deleteExpired(tenantId: string, now: Date, limit: number): Promise<{ deleted: number; bytes: number }> {
    const [row] = await this.db.sql<{ deleted: number; bytes: number }>`
      with gone as (
        delete from tenant_exports
        where tenant_id = ${tenantId}::uuid and id in (
          select id from tenant_exports
          where tenant_id = ${tenantId}::uuid and expires_at < ${now}
          order by expires_at
          limit ${limit})
        returning size_bytes)
      select count(*)::int as deleted, coalesce(sum(size_bytes), 0)::float8 as bytes from gone`;
    return { deleted: row?.deleted ?? 0, bytes: row?.bytes ?? 0 };
  }

  /** The users who are members of the tenant, without credentials. */
  members(tenantId: string): Promise<MemberUser[]> {
    return this.db.client.user.findMany({
      where: { memberships: { some: { tenantId } } },
      orderBy: { id: 'asc' },
      select: { id: true, email: true, name: true, createdAt: true, updatedAt: true },
    });
  }
}
