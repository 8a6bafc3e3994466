import { Injectable } from '@nestjs/common';
import { TenantContext } from '../../../platform/context/tenant-context.js';
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
  constructor(
    private readonly db: TenantDb,
    private readonly ctx: TenantContext,
  ) {}

  list(): Promise<PlanRow[]> {
    return this.db.client.plan.findMany({ select: PLAN_SELECT, orderBy: [{ sortOrder: 'asc' }, { id: 'asc' }] });
  }

  find(id: string): Promise<PlanRow | null> {
    return this.db.client.plan.findUnique({ where: { id }, select: PLAN_SELECT });
  }

  /** The tenant's plan and overrides (the tenants table is readable by every tenant-facing session). */
  /** The tenant's plan id, its plan (null when no such plan) and its overrides, in ONE statement (every quota check asks). */
  async tenantPlan(tenantId: string): Promise<{ plan: string; planRow: PlanRow | null; limitOverrides: unknown } | null> {
    // Asked with no tenant in context (a job or webhook naming the tenant): read as that tenant.
    if (this.ctx.current()?.tenantId === undefined && !this.ctx.current()?.withoutTenant) return this.ctx.run({ tenantId }, () => this.tenantPlan(tenantId));
    const [row] = await this.db.sql<{ plan: string; limitOverrides: unknown; id: string | null; name: string; limits: unknown; stripePriceId: string | null; sortOrder: number }>`
      select t.plan, t.limit_overrides as "limitOverrides",
             p.id, p.name, p.limits, p.stripe_price_id as "stripePriceId", p.sort_order as "sortOrder"
        from tenants t left join plans p on p.id = t.plan
       where t.id = ${tenantId}::uuid`;
    if (!row) return null;
    const { plan, limitOverrides, id, ...rest } = row;
    return { plan, limitOverrides, planRow: id === null ? null : { id, ...rest } };
  }
}
