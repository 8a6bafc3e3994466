import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../../platform/config/config.js';
import { TenantConfigCache } from '../../../platform/cache/tenant-config-cache.js';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { BillingError, BillingErrorCode } from '../billing.errors.js';
import { mergeLimits, type PlanLimits, planLimitsSchema } from './plan-limits.js';
import { type PlanRow, PlansRepository } from './plans.repository.js';

export interface PlanView {
  id: string;
  name: string;
  limits: PlanLimits;
  /** Can be bought through Checkout here (it has a Stripe price); enterprise is sales-led. */
  selfServe: boolean;
}

export interface Plan extends PlanView {
  /** The Stripe price Checkout sells, after the environment's override; null: not sold self-serve. */
  stripePriceId: string | null;
}

/**
 * Plans as data (the plans table) and the limits a tenant actually has. The quota and rate-limit
 * code asks `effectiveLimits`; the webhook job asks `planForPrice`.
 */
@Injectable()
export class PlansService {
  constructor(
    private readonly plans: PlansRepository,
    private readonly config: AppConfig,
    private readonly ctx: TenantContext,
    private readonly tenantConfig: TenantConfigCache,
  ) {}

  /** Every plan, cheapest first. Public (the pricing page). */
  async list(): Promise<PlanView[]> {
    return (await this.plans.list()).map((row) => publicView(this.toPlan(row)));
  }

  async find(id: string): Promise<Plan | null> {
    const row = await this.plans.find(id);
    return row ? this.toPlan(row) : null;
  }

  /**
   * The plan sold by the first of these Stripe prices that sells one (a subscription may also carry
   * metered prices), or null.
   */
  async planForPrices(priceIds: readonly string[]): Promise<Plan | null> {
    const plans = (await this.plans.list()).map((row) => this.toPlan(row));
    for (const priceId of priceIds) {
      const plan = plans.find((p) => p.stripePriceId === priceId);
      if (plan) return plan;
    }
    return null;
  }

  /**
   * The tenant's plan limits with its overrides (tenants.limit_overrides) merged on top: what
   * quotas and rate limits enforce. Defaults to the tenant in context.
   */
  effectiveLimits(tenantId: string = this.ctx.requireTenantId('effectiveLimits')): Promise<PlanLimits & { plan: string }> {
    // Cached per instance under the tenant's epochs: a plan or override change announces itself.
    return this.tenantConfig.get('plan-limits', tenantId, () => this.readEffectiveLimits(tenantId));
  }

  private async readEffectiveLimits(tenantId: string): Promise<PlanLimits & { plan: string }> {
    const tenant = await this.plans.tenantPlan(tenantId);
    if (!tenant) throw new BillingError(BillingErrorCode.UnknownPlan, `No tenant ${tenantId}`);
    const plan = tenant.planRow;
    if (!plan) throw new BillingError(BillingErrorCode.UnknownPlan, `The tenant's plan ${tenant.plan} does not exist`);
    return { plan: plan.id, ...mergeLimits(planLimitsSchema.parse(plan.limits), tenant.limitOverrides) };
  }

  private toPlan(row: PlanRow): Plan {
    const override = row.id === 'pro' ? this.config.env.STRIPE_PRICE_PRO : row.id === 'enterprise' ? this.config.env.STRIPE_PRICE_ENTERPRISE : undefined;
    const stripePriceId = override ?? row.stripePriceId;
    return { id: row.id, name: row.name, limits: planLimitsSchema.parse(row.limits), stripePriceId, selfServe: stripePriceId !== null };
  }
}

function publicView({ id, name, limits, selfServe }: Plan): PlanView {
  return { id, name, limits, selfServe };
}
