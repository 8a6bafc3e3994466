import { Injectable } from '@nestjs/common';
import { TenantDb } from '../../../platform/db/tenant-db.js';

export interface PlanRow {
  id: string;
  name: string;
  limits: unknown;
  stripePriceId: string | null;
  sortOrder: number;
}

const PLAN_SELECT = { id: true, name: true, limits: true, stripePriceId: true, sortOrder: true } as const;

/** Plans are platform-level: the tenant role reads them, with or without a tenant in context. */
@Injectable()
export class PlansRepository {
  constructor(private readonly db: TenantDb) {}

  list(): Promise<PlanRow[]> {
    return this.db.client.plan.findMany({ select: PLAN_SELECT, orderBy: [{ sortOrder: 'asc' }, { id: 'asc' }] });
  }

  find(id: string): Promise<PlanRow | null> {
    return this.db.client.plan.findUnique({ where: { id }, select: PLAN_SELECT });
  }

  /** The tenant's plan and overrides (the tenants table is readable by every tenant-facing session). */
  tenantPlan(tenantId: string): Promise<{ plan: string; limitOverrides: unknown } | null> {
    return this.db.client.tenant.findUnique({ where: { id: tenantId }, select: { plan: true, limitOverrides: true } });
  }
}
