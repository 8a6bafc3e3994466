import { Injectable } from '@nestjs/common';
import { AccessEpochs } from '../../platform/cache/access-epochs.js';
import { TenantDb } from '../../platform/db/tenant-db.js';

export type TenantStatus = 'active' | 'suspended' | 'deleted';

export interface TenantStanding {
  id: string;
  slug: string;
  name: string;
  plan: string;
  status: TenantStatus;
  suspendedAt: Date | null;
}

const STANDING_SELECT = { id: true, slug: true, name: true, plan: true, status: true, suspendedAt: true } as const;

/**
 * The tenant row's billing side: its plan and whether billing suspended it. Written in the
 * tenant's own context (the tenants policy lets a tenant-facing session change its own row only).
 * The tenant module's lifecycle for users and admins lives in src/modules/tenant; billing changes
 * only plan, status and suspended_at, and audits each change itself.
 */
@Injectable()
export class TenantStandingRepository {
  constructor(
    private readonly db: TenantDb,
    private readonly epochs: AccessEpochs,
  ) {}

  find(tenantId: string): Promise<TenantStanding | null> {
    return this.db.client.tenant.findUnique({ where: { id: tenantId }, select: STANDING_SELECT });
  }

  /** The tenant row, locked until the unit of work in progress ends. */
  async lock(tenantId: string): Promise<TenantStanding | null> {
    const rows = await this.db.sql<{ id: string }>`select id from tenants where id = ${tenantId}::uuid for update`;
    return rows.length === 0 ? null : this.find(tenantId);
  }

  async update(tenantId: string, change: { plan?: string; status?: TenantStatus; suspendedAt?: Date | null }): Promise<void> {
    await this.db.client.tenant.update({ where: { id: tenantId }, data: change, select: { id: true } });
    await this.epochs.changed({ tenantId }); // status and plan limits are cached per instance
  }
}
