import { Injectable } from '@nestjs/common';
import { PlansService } from '../billing/plans/plans.service.js';
import { UsageLimits, type UsageLimitSet } from './usage-limits.js';

/**
 * Quotas from the tenant's plan: the plan's limits with the tenant's limit_overrides on top
 * (PlansService.effectiveLimits), mapped to the metered metrics. Read afresh on every
 * reservation, so a plan change (a Stripe webhook, an admin) applies to the next call.
 */
@Injectable()
export class PlanUsageLimits extends UsageLimits {
  constructor(private readonly plans: PlansService) {
    super();
  }

  override async limitsFor(tenantId: string): Promise<UsageLimitSet> {
    const limits = await this.plans.effectiveLimits(tenantId);
    return { messages: limits.messages_per_month, tokens: limits.tokens_per_month, seats: limits.seats, plan: limits.plan };
  }
}
