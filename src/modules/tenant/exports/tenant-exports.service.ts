import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { AuditLog } from '../../../platform/audit/audit-log.js';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { TenantDb } from '../../../platform/db/tenant-db.js';
import { decodeCursor, type Page, toPage } from '../../../platform/http/pagination.js';
import { AccessError, AccessErrorCode } from '../../../platform/security/access.errors.js';
import { ObjectNotFoundError, ObjectStorage } from '../../../platform/storage/object-storage.js';
import { TenantJobs } from '../jobs/tenant-jobs.js';
import { TenantError, TenantErrorCode } from '../tenant.errors.js';
import { TenantRepository } from '../tenant.repository.js';
import type { ListExportsQuery } from './dto/tenant-exports.dto.js';
import { ARCHIVE_CONTENT_TYPE, ExportArchiveWriter } from './export-archive.js';
import { ExportLinks } from './export-links.js';
import { type ExportRow, type ExportStatus, TenantExportsRepository } from './tenant-exports.repository.js';

/** How long a built archive stays downloadable; then the purge job deletes it (jobs/export-purge.jobs.ts). */
export const ARCHIVE_RETENTION_MS = 7 * 86_400_000;
/** Exports deleted per batch by the purge: one call deletes their objects, one statement their rows. */
export const EXPORT_PURGE_BATCH = 50;
/** The size_bytes column is an integer: an archive past this is refused rather than recorded wrong. */
const MAX_ARCHIVE_BYTES = 2 ** 31 - 1;

/** Everything stored for a tenant is under this prefix. */
export const tenantObjectPrefix = (tenantId: string): string => `tenants/${tenantId.toLowerCase()}/`;
/** Where an export's archive is stored: under its tenant's prefix, always (the database checks it too). */
export const exportObjectKey = (tenantId: string, exportId: string): string => `${tenantObjectPrefix(tenantId)}exports/${exportId.toLowerCase()}.json`;

const cursorSchema = z.object({ createdAt: z.iso.datetime().transform((s) => new Date(s)), id: z.guid() });

export interface ExportView {
  id: string;
  status: ExportStatus;
  sizeBytes: number | null;
  createdAt: Date;
  /** Until when the archive can be downloaded. */
  expiresAt: Date | null;
  /** A signed link, valid EXPORT_URL_TTL_SECONDS from this response; only when the archive is ready. */
  downloadUrl?: string;
}

export interface ExportFile {
  filename: string;
  contentType: string;
  body: Readable;
  sizeBytes: number | null;
}

/**
 * Data exports of the tenant in context: requested over HTTP, built by a job that streams the
 * archive to object storage, downloaded by signed link (docs/adr/0014-object-storage-and-key-rotation.md).
 */
@Injectable()
export class TenantExportsService {
  private readonly logger = new Logger(TenantExportsService.name);

  constructor(
    private readonly ctx: TenantContext,
    private readonly db: TenantDb,
    private readonly exports: TenantExportsRepository,
    private readonly tenants: TenantRepository,
    private readonly archives: ExportArchiveWriter,
    private readonly storage: ObjectStorage,
    private readonly links: ExportLinks,
    private readonly jobs: TenantJobs,
    private readonly audit: AuditLog,
  ) {}

  /**
   * Records the request (pending, audited) and queues the job that builds the archive, in one unit
   * of work: when the job cannot be queued (503 queue_unavailable) nothing is left behind, neither
   * the export nor its audit event. The job waits for this unit of work to end before it reads the
   * export (TenantExportsRepository.lockRequest), so it cannot run before the commit.
   */
  async request(): Promise<ExportView> {
    this.ctx.requirePermission('tenant:export');
    const tenantId = this.ctx.requireTenantId();
    const id = randomUUID();
    return this.db.transaction(async () => {
      await this.exports.lockRequest(id);
      await this.exports.create(tenantId, id, this.ctx.userId);
      await this.audit.record({ action: 'tenant.export_requested', targetType: 'tenant_export', targetId: id });
      await this.jobs.enqueueExport(tenantId, id);
      return this.view(tenantId, (await this.exports.find(tenantId, id))!);
    });
  }

  async list(query: ListExportsQuery): Promise<Page<ExportView>> {
    this.ctx.requirePermission('tenant:export');
    const tenantId = this.ctx.requireTenantId();
    const rows = await this.exports.list(tenantId, query.limit + 1, decodeCursor(query.cursor, cursorSchema));
    const page = toPage(rows, query.limit, (row) => ({ createdAt: row.createdAt.toISOString(), id: row.id }));
    return { ...page, data: page.data.map((row) => this.view(tenantId, row)) };
  }

  async get(id: string): Promise<ExportView> {
    this.ctx.requirePermission('tenant:export');
    const tenantId = this.ctx.requireTenantId();
    const row = await this.exports.find(tenantId, id);
    if (!row) throw exportNotFound();
    return this.view(tenantId, row);
  }

  /**
   * The job's work: streams the archive of a pending export to object storage, then records it
   * ready. Idempotent (an export that is no longer pending is left as it is; a retry writes the
   * same key again); on the job's last attempt a failure marks the export failed.
   */
  async build(exportId: string, options: { lastAttempt: boolean }): Promise<'built' | 'skipped'> {
    this.ctx.requirePermission('tenant:export');
    const tenantId = this.ctx.requireTenantId();
    await this.exports.awaitRequest(exportId);
    const row = await this.exports.find(tenantId, exportId);
    if (row?.status !== 'pending') return 'skipped';
    try {
      const key = exportObjectKey(tenantId, exportId);
      const { sizeBytes } = await this.storage.put(key, this.archives.stream(tenantId, exportId), ARCHIVE_CONTENT_TYPE);
      if (sizeBytes > MAX_ARCHIVE_BYTES) {
        await this.storage.delete([key]);
        throw new Error(`the archive is ${sizeBytes} bytes, above the ${MAX_ARCHIVE_BYTES} an export may have`);
      }
      const stored = await this.exports.markReady(tenantId, exportId, key, sizeBytes, new Date(Date.now() + ARCHIVE_RETENTION_MS));
      this.logger.log({ tenantId, exportId, sizeBytes, storage: this.storage.driver }, 'tenant export built');
      return stored ? 'built' : 'skipped';
    } catch (error) {
      if (options.lastAttempt) await this.exports.markFailed(tenantId, exportId, 'the archive could not be built');
      throw error;
    }
  }

  /**
   * The purge job's work: deletes the tenant's expired exports and their archives, in batches of
   * EXPORT_PURGE_BATCH: the objects first, then the rows, so a crash in between leaves rows whose
   * objects are gone (the next sweep deletes them) and never objects that nothing points at.
   */
  async purgeExpired(now = new Date()): Promise<{ deleted: number; bytes: number }> {
    this.ctx.requirePermission('tenant:export');
    const tenantId = this.ctx.requireTenantId();
    const total = { deleted: 0, bytes: 0 };
    for (;;) {
      const batch = await this.exports.expiredBatch(tenantId, now, EXPORT_PURGE_BATCH);
      if (batch.length === 0) break;
      await this.storage.delete(batch.flatMap((e) => (e.storageKey ? [e.storageKey] : [])));
      total.deleted += await this.exports.deleteMany(tenantId, batch.map((e) => e.id));
      total.bytes += batch.reduce((sum, e) => sum + (e.sizeBytes ?? 0), 0);
      if (batch.length < EXPORT_PURGE_BATCH) break;
    }
    if (total.deleted > 0) this.logger.log({ tenantId, ...total }, 'expired tenant exports deleted');
    return total;
  }

  /**
   * For the tenant's erasure: deletes every object stored for the tenant (its whole prefix,
   * `tenants/<tenantId>/`), whatever rows still point at them. Idempotent.
   */
  async eraseArchives(): Promise<void> {
    this.ctx.requirePermission('tenant:delete');
    const tenantId = this.ctx.requireTenantId();
    await this.storage.deletePrefix(tenantObjectPrefix(tenantId));
    this.logger.log({ tenantId, storage: this.storage.driver }, 'tenant objects erased');
  }

  /**
   * Serves an archive to whoever holds a valid signed link (the route is public: the signature
   * is the credential), read under the export's tenant context.
   */
  async download(exportId: string, query: unknown): Promise<ExportFile> {
    const { tenantId } = this.links.verify(exportId, query);
    return this.ctx.run({ tenantId, actor: 'system' }, async () => {
      const tenant = await this.tenants.findLifecycle(tenantId);
      if (!tenant || tenant.status === 'deleted') throw new AccessError(AccessErrorCode.TenantDeleted, 'This tenant has been deleted');
      const found = await this.exports.findArchive(tenantId, exportId);
      if (!found) throw exportNotFound();
      if (found.status !== 'ready' || (!found.storageKey && !found.archive)) throw new TenantError(TenantErrorCode.ExportNotReady, 'This export is not ready');
      if (found.expiresAt && found.expiresAt <= new Date()) throw new TenantError(TenantErrorCode.ExportExpired, 'This export has expired; request a new one');
      const file = { filename: `tenantry-export-${exportId}.json`, contentType: ARCHIVE_CONTENT_TYPE };
      // Built before object storage: the bytes are in the row (ADR 0014).
      if (!found.storageKey) return { ...file, body: Readable.from([Buffer.from(found.archive!)]), sizeBytes: found.archive!.byteLength };
      try {
        return { ...file, body: await this.storage.get(found.storageKey), sizeBytes: found.sizeBytes };
      } catch (error) {
        if (error instanceof ObjectNotFoundError) throw new TenantError(TenantErrorCode.ExportExpired, 'This export has expired; request a new one');
        throw error;
      }
    });
  }

  private view(tenantId: string, row: ExportRow): ExportView {
    const downloadable = row.status === 'ready' && (!row.expiresAt || row.expiresAt > new Date());
    return {
      id: row.id,
      status: row.status,
      sizeBytes: row.sizeBytes,
      createdAt: row.createdAt,
      expiresAt: row.expiresAt,
      ...(downloadable && { downloadUrl: this.links.create(tenantId, row.id, row.expiresAt) }),
    };
  }
}

const exportNotFound = (): TenantError => new TenantError(TenantErrorCode.ExportNotFound, 'No such export');
