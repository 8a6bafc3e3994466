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

/** Where a built archive is: in object storage (storageKey), or, built before it, in the row. */
export interface StoredArchive {
  status: ExportStatus;
  storageKey: string | null;
  archive: Uint8Array | null;
  sizeBytes: number | null;
  expiresAt: Date | null;
}

export interface ExpiredExport {
  id: string;
  storageKey: string | null;
  sizeBytes: number | null;
}

const ROW = { id: true, status: true, sizeBytes: true, createdAt: true, completedAt: true, expiresAt: true } as const;

/** The tenant's export requests and where their archives are (RLS: the tenant in context only). */
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

  /** Where the export's archive is: an object key, or (built before object storage) the bytes themselves. */
  async findArchive(tenantId: string, id: string): Promise<StoredArchive | null> {
    return (await this.db.client.tenantExport.findUnique({
      where: { tenantId_id: { tenantId, id } },
      select: { status: true, storageKey: true, archive: true, sizeBytes: true, expiresAt: true },
    })) as StoredArchive | null;
  }

  /**
   * Serializes an export's request and its job: the request holds this lock until its unit of work
   * ends (committed with the job enqueued, or rolled back), and the job takes it before reading the
   * export, so it never reads too early and takes a rolled-back request for a missing export.
   */
  async lockRequest(id: string): Promise<void> {
    await this.db.sql`select 1 as locked from pg_advisory_xact_lock(hashtextextended(${`tenant_exports:${id}`}, 0))`;
  }

  /** Waits until the request of export `id` has committed or rolled back (see lockRequest). */
  async awaitRequest(id: string): Promise<void> {
    await this.db.transaction(() => this.lockRequest(id));
  }

  /** Records the stored archive of a pending export; false if it was not pending (already built, or failed). */
  async markReady(tenantId: string, id: string, storageKey: string, sizeBytes: number, expiresAt: Date): Promise<boolean> {
    const { count } = await this.db.client.tenantExport.updateMany({
      where: { tenantId, id, status: 'pending' },
      data: { status: 'ready', storageKey, sizeBytes, completedAt: new Date(), expiresAt },
    });
    return count === 1;
  }

  async markFailed(tenantId: string, id: string, error: string): Promise<void> {
    await this.db.client.tenantExport.updateMany({
      where: { tenantId, id, status: 'pending' },
      data: { status: 'failed', error, completedAt: new Date() },
    });
  }

  /** At most `limit` exports that expired before `now`, soonest expired first, with where their archives are. */
  expiredBatch(tenantId: string, now: Date, limit: number): Promise<ExpiredExport[]> {
    return this.db.client.tenantExport.findMany({
      where: { tenantId, expiresAt: { lt: now } },
      orderBy: { expiresAt: 'asc' },
      take: limit,
      select: { id: true, storageKey: true, sizeBytes: true },
    });
  }

  /** Deletes the exports (legacy archive bytes with them); returns how many were still there. */
  async deleteMany(tenantId: string, ids: readonly string[]): Promise<number> {
    const { count } = await this.db.client.tenantExport.deleteMany({ where: { tenantId, id: { in: [...ids] } } });
    return count;
  }
}
