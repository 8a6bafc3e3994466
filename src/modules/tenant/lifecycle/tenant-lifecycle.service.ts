import { Injectable, Logger } from '@nestjs/common';
import { AuditLog } from '../../../platform/audit/audit-log.js';
import { AppConfig } from '../../../platform/config/config.js';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { TenantDb } from '../../../platform/db/tenant-db.js';
import { TenantErasureRepository } from '../admin/tenant-erasure.repository.js';
import { TenantExportsService } from '../exports/tenant-exports.service.js';
import { TenantJobs } from '../jobs/tenant-jobs.js';
import { TenantError, TenantErrorCode } from '../tenant.errors.js';
import { TenantRepository } from '../tenant.repository.js';
import { type DeletionView, type ErasureOutcome, erasureDueAt } from './erasure-schedule.js';
import { TenantTablesRepository } from './tenant-tables.repository.js';

/** Rows deleted per statement: keeps each statement short on a large tenant. */
const ERASE_BATCH = 5000;

/** A tenant's deletion: the owner's request, and the erasure job that follows the grace period. */
@Injectable()
export class TenantLifecycleService {
  private readonly logger = new Logger(TenantLifecycleService.name);

  constructor(
    private readonly ctx: TenantContext,
    private readonly db: TenantDb,
    private readonly config: AppConfig,
    private readonly tenants: TenantRepository,
    private readonly tables: TenantTablesRepository,
    private readonly erasure: TenantErasureRepository,
    private readonly jobs: TenantJobs,
    private readonly audit: AuditLog,
    private readonly exports: TenantExportsService,
  ) {}

  /**
   * The owner deletes the tenant: access ends at once (status deleted), the data stays for the
   * grace period (a platform admin may still resume it), then the erasure job deletes it all.
   */
  async requestDeletion(): Promise<DeletionView> {
    this.ctx.requirePermission('tenant:delete');
    const tenantId = this.ctx.requireTenantId();
    const dueAt = erasureDueAt(this.config);
    // The job first: it re-checks the tenant when it runs, so a job whose deletion did not commit
    // does nothing, while a committed deletion without its job would never be erased.
    await this.jobs.scheduleErasure(tenantId, dueAt);
    await this.db.transaction(async () => {
      if (!(await this.tenants.markDeleted(tenantId, dueAt))) {
        throw new TenantError(TenantErrorCode.InvalidTransition, 'This tenant is already deleted');
      }
      await this.audit.record({
        action: 'tenant.deletion_scheduled',
        targetType: 'tenant',
        targetId: tenantId,
        data: { deletionScheduledAt: dueAt.toISOString() },
      });
    });
    return { id: tenantId, status: 'deleted', deletionScheduledAt: dueAt };
  }

  /**
   * The erasure job's work, for the tenant in context. Idempotent: it does nothing unless the
   * tenant is still deleted and due, and a run that stopped halfway is finished by the next one.
   * Every tenant table (from the catalog) is emptied of the tenant's rows under RLS; the tables the
   * tenant role may not delete from (append-only: the audit log, prompt versions) and the tenant
   * row itself go through the platform role. The audit log goes with the tenant, so the erasure
   * is recorded in the application log.
   */
  async erase(): Promise<ErasureOutcome> {
    this.ctx.requirePermission('tenant:delete');
    const tenantId = this.ctx.requireTenantId();
    const now = new Date();
    const state = await this.tenants.findLifecycle(tenantId);
    if (!state) return { outcome: 'gone' };
    if (state.status !== 'deleted' || !state.deletionScheduledAt) return { outcome: 'cancelled' };
    if (!state.deletedAt) {
      if (state.deletionScheduledAt > now) return { outcome: 'not_due', dueAt: state.deletionScheduledAt };
      if (!(await this.tenants.claimErasure(tenantId, now))) return { outcome: 'cancelled' };
    }

    // The stored archives first (idempotent: a retried erasure deletes what is left of them).
    await this.exports.eraseArchives();
    const rows: Record<string, number> = {};
    for (const table of await this.tables.list()) {
      if (!table.deletable) continue;
      let deleted = 0;
      let batch: number;
      do {
        batch = await this.tables.deleteBatch(table, tenantId, ERASE_BATCH);
        deleted += batch;
      } while (batch === ERASE_BATCH);
      rows[table.name] = deleted;
    }
    for (const [table, n] of Object.entries(await this.erasure.eraseRemainder(tenantId))) rows[table] = (rows[table] ?? 0) + n;
    this.logger.log({ tenantId, rows, deletionScheduledAt: state.deletionScheduledAt }, 'tenant erased');
    return { outcome: 'erased', rows };
  }
}
