import { Injectable } from '@nestjs/common';
import type { UsageMetric } from './usage-metrics.js';

/** The most a tenant may consume of each metric in one period; a metric left out is unlimited. */
export type UsageLimitSet = Partial<Record<UsageMetric, number>> & {
  /** The plan the limits come from (labels the quota-rejection metric). */
  plan?: string;
};

/**
 * Where quotas come from. Plans, and with them limits, arrive with the billing module: it will
 * provide its own UsageLimits (plan limits plus the tenant's limit_overrides) in place of this one.
 * Until then no plan limits anything, so every tenant is unlimited, and UsageService.reserve, which
 * already enforces whatever this returns, never refuses. See docs/adr/0006-usage-seam.md.
 */
@Injectable()
export class UsageLimits {
  limitsFor(_tenantId: string): Promise<UsageLimitSet> {
    return Promise.resolve({});
  }
}
