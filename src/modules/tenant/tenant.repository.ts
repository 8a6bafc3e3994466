import { Injectable } from '@nestjs/common';
import { AccessEpochs } from '../../platform/cache/access-epochs.js';
import { TenantDb } from '../../platform/db/tenant-db.js';

export type TenantStatus = 'active' | 'suspended' | 'deleted';

export interface TenantSettingsView {
  displayName: string;
  locale: string;
  timezone: string;
  supportEmail: string | null;
}

export interface TenantView {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  createdAt: Date;
  settings: TenantSettingsView | null;
}

export interface TenantLifecycle {
  status: TenantStatus;
  deletionScheduledAt: Date | null;
  /** Set when the erasure job starts: from then on the deletion cannot be cancelled. */
  deletedAt: Date | null;
}

/** The tenant row and its settings, for the tenant in context (RLS: it may change only its own row). */
@Injectable()
export class TenantRepository {
  constructor(
    private readonly db: TenantDb,
    private readonly epochs: AccessEpochs,
  ) {}

  findById(tenantId: string): Promise<TenantView | null> {
    return this.db.client.tenant.findUnique({
      where: { id: tenantId },
      select: {
        id: true,
        slug: true,
        name: true,
        status: true,
        createdAt: true,
        settings: { select: { displayName: true, locale: true, timezone: true, supportEmail: true } },
      },
    });
  }

  async rename(tenantId: string, name: string): Promise<void> {
    await this.db.client.tenant.update({ where: { id: tenantId }, data: { name }, select: { id: true } });
  }

  /** Writes the given settings; creates the row (display name defaulting to `fallbackName`) if missing. */
  async saveSettings(tenantId: string, changes: Partial<TenantSettingsView>, fallbackName: string): Promise<void> {
    await this.db.client.tenantSettings.upsert({
      where: { tenantId },
      create: { tenantId, displayName: fallbackName, ...changes },
      update: changes,
      select: { tenantId: true },
    });
  }

  findLifecycle(tenantId: string): Promise<TenantLifecycle | null> {
    return this.db.client.tenant.findUnique({
      where: { id: tenantId },
      select: { status: true, deletionScheduledAt: true, deletedAt: true },
    });
  }

  /** Marks the tenant deleted (access ends) with erasure due at `dueAt`; false if it already was. */
  async markDeleted(tenantId: string, dueAt: Date): Promise<boolean> {
    const { count } = await this.db.client.tenant.updateMany({
      where: { id: tenantId, status: { not: 'deleted' } },
      data: { status: 'deleted', deletionScheduledAt: dueAt },
    });
    if (count === 1) await this.epochs.changed({ tenantId }); // access ends on every instance
    return count === 1;
  }

  /**
   * Claims a due erasure by stamping deleted_at (a resume is refused from then on). Conditional on
   * the state checked, in one statement, so a concurrent resume and this claim cannot both win.
   */
  async claimErasure(tenantId: string, now: Date): Promise<boolean> {
    const { count } = await this.db.client.tenant.updateMany({
      where: { id: tenantId, status: 'deleted', deletionScheduledAt: { lte: now }, deletedAt: null },
      data: { deletedAt: now },
    });
    return count === 1;
  }
}
