import { Injectable } from '@nestjs/common';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { TenantDb } from '../../../platform/db/tenant-db.js';
import { HttpError } from '../../../platform/http/app-error.js';
import { dayOf, periodStartOf } from '../usage-metrics.js';
import { type ApiKeyConsumption, type Consumption, type MemberConsumption, type ModelConsumption, UsageBreakdownRepository } from './usage-breakdown.repository.js';

/** The longest range one breakdown covers. */
export const MAX_BREAKDOWN_DAYS = 366;

/** GET /usage/breakdown: who and what consumed the tenant's messages and tokens, over whole UTC days. */
export interface UsageBreakdown {
  /** First and last day included (YYYY-MM-DD, UTC). */
  from: string;
  to: string;
  totals: Consumption & { apiCalls: number };
  members: MemberConsumption[];
  apiKeys: ApiKeyConsumption[];
  models: ModelConsumption[];
  /** The public widget (no user, no API key). */
  widget: Consumption;
}

/**
 * The overview's usage breakdown per member, per API key and per model, from usage_attribution
 * (written beside each settled reply since this was added; older usage is in the totals of GET
 * /usage only). API calls are metered per tenant, so they appear in the totals only. Who may see
 * every member's use: those who manage members (admins and owners), not every member.
 */
@Injectable()
export class UsageBreakdownService {
  constructor(
    private readonly ctx: TenantContext,
    private readonly db: TenantDb,
    private readonly breakdown: UsageBreakdownRepository,
  ) {}

  async breakdownOf(range: { from?: string; to?: string }, now = new Date()): Promise<UsageBreakdown> {
    this.ctx.requirePermission('usage:read');
    this.ctx.requirePermission('members:manage');
    const tenantId = this.ctx.requireTenantId('reading usage');
    const from = range.from ?? periodStartOf(now);
    const to = range.to ?? dayOf(now);
    const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
    if (days < 0) throw HttpError.validation('query string', [{ field: 'to', message: 'must not be before from' }]);
    if (days >= MAX_BREAKDOWN_DAYS) throw HttpError.validation('query string', [{ field: 'to', message: `the range must be at most ${MAX_BREAKDOWN_DAYS} days` }]);
    return this.db.transaction(async () => {
      const [members, apiKeys, models, widget, apiCalls] = [
        await this.breakdown.byMember(tenantId, from, to),
        await this.breakdown.byApiKey(tenantId, from, to),
        await this.breakdown.byModel(tenantId, from, to),
        await this.breakdown.widget(tenantId, from, to),
        await this.breakdown.apiCalls(tenantId, from, to),
      ];
      const sum = (key: keyof Consumption): number => models.reduce((total, m) => total + m[key], 0);
      return {
        from,
        to,
        totals: { messages: sum('messages'), promptTokens: sum('promptTokens'), completionTokens: sum('completionTokens'), apiCalls },
        members,
        apiKeys,
        models,
        widget,
      };
    });
  }
}
