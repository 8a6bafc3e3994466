import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { AuditLog } from '../../../platform/audit/audit-log.js';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { TenantDb } from '../../../platform/db/tenant-db.js';
import { decodeCursor, type Page, toPage } from '../../../platform/http/pagination.js';
import { AccessError, AccessErrorCode } from '../../../platform/security/access.errors.js';
import { TenantJobs } from '../jobs/tenant-jobs.js';
import { TenantError, TenantErrorCode } from '../tenant.errors.js';
import { TenantRepository } from '../tenant.repository.js';
import type { ListExportsQuery } from './dto/tenant-exports.dto.js';
import { ExportArchiveBuilder } from './export-archive.js';
import { ExportLinks } from './export-links.js';
import { type ExportRow, type ExportStatus, TenantExportsRepository } from './tenant-exports.repository.js';

/** How long a built archive stays downloadable; then the purge job deletes it (jobs/export-purge.jobs.ts). */
export const ARCHIVE_RETENTION_MS = 7 * 86_400_000;
/** Exports deleted per statement by the purge: each holds its archive, so a batch stays a short transaction. */
export const EXPORT_PURGE_BATCH = 50;

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
  body: Buffer;
}

/** Data exports of the tenant in context: requested over HTTP, built by a job, downloaded by signed link. */
@Injectable()
export class TenantExportsService {
  private readonly logger = new Logger(TenantExportsService.name);

  constructor(
    private readonly ctx: TenantContext,
    private readonly db: TenantDb,
    private readonly exports: TenantExportsRepository,
    private readonly tenants: TenantRepository,
    private readonly archives: ExportArchiveBuilder,
    private readonly links: ExportLinks,
    private readonly jobs: TenantJobs,
    private readonly audit: AuditLog,
  ) {}

  /** Records the request (pending) and queues the job that builds the archive. */
  async request(): Promise<ExportView> {
    this.ctx.requirePermission('tenant:export');
    const tenantId = this.ctx.requireTenantId();
    const id = randomUUID();
    await this.db.transaction(async () => {
      await this.exports.create(tenantId, id, this.ctx.userId);
      await this.audit.record({ action: 'tenant.export_requested', targetType: 'tenant_export', targetId: id });
    });
    try {
      await this.jobs.enqueueExport(tenantId, id);
    } catch (error) {
      await this.exports.markFailed(tenantId, id, 'could not be queued');
      throw error;
    }
    return this.get(id);
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
   * The job's work: builds the archive of a pending export. Idempotent (an export that is no
   * longer pending is left as it is); on the job's last attempt a failure marks the export failed.
   */
  async build(exportId: string, options: { lastAttempt: boolean }): Promise<'built' | 'skipped'> {
    this.ctx.requirePermission('tenant:export');
    const tenantId = this.ctx.requireTenantId();
    const row = await this.exports.find(tenantId, exportId);
    if (row?.status !== 'pending') return 'skipped';
    try {
      const archive = await this.archives.build(tenantId, exportId);
      const stored = await this.exports.markReady(tenantId, exportId, archive, new Date(Date.now() + ARCHIVE_RETENTION_MS));
      this.logger.log({ tenantId, exportId, sizeBytes: archive.byteLength }, 'tenant export built');
      return stored ? 'built' : 'skipped';
    } catch (error) {
      if (options.lastAttempt) await this.exports.markFailed(tenantId, exportId, 'the archive could not be built');
      throw error;
    }
  }

  /**
   * The purge job's work: deletes the tenant's expired exports and their archives, in batches of
   * EXPORT_PURGE_BATCH (one statement each, so a crash loses nothing: the next sweep goes on).
   */
  async purgeExpired(now = new Date()): Promise<{ deleted: number; bytes: number }> {
    this.ctx.requirePermission('tenant:export');
    const tenantId = this.ctx.requireTenantId();
    const total = { deleted: 0, bytes: 0 };
    for (;;) {
      const batch = await this.exports.deleteExpired(tenantId, now, EXPORT_PURGE_BATCH);
      total.deleted += batch.deleted;
      total.bytes += batch.bytes;
      if (batch.deleted < EXPORT_PURGE_BATCH) break;
    }
    if (total.deleted > 0) this.logger.log({ tenantId, ...total }, 'expired tenant exports deleted');
    return total;
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
      if (found.status !== 'ready' || !found.archive) throw new TenantError(TenantErrorCode.ExportNotReady, 'This export is not ready');
      if (found.expiresAt && found.expiresAt <= new Date()) throw new TenantError(TenantErrorCode.ExportExpired, 'This export has expired; request a new one');
      return { filename: `tenantry-export-${exportId}.json`, body: Buffer.from(found.archive) };
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
