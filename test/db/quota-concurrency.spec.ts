import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PlansRepository } from '../../src/modules/billing/plans/plans.repository.js';
import { TenantConfigCache } from '../../src/platform/cache/tenant-config-cache.js';
import { PlansService } from '../../src/modules/billing/plans/plans.service.js';
import { PlanUsageLimits } from '../../src/modules/usage/plan-usage-limits.js';
import { UsageError, UsageErrorCode } from '../../src/modules/usage/usage.errors.js';
import { UsageRepository } from '../../src/modules/usage/usage.repository.js';
import { UsageService } from '../../src/modules/usage/usage.service.js';
import { createDataApp, type DataApp, makeTenant } from '../support/data-app.js';

/**
 * Quotas come from the tenant's plan (limit_overrides on top) and hold under any concurrency:
 * the limit is checked on the values of the same atomic statement that reserved, in PostgreSQL.
 */

let t: DataApp;
let usage: UsageService;

beforeAll(async () => {
  // The 200 consumptions below serialize on one counter row, 20 connections at a time: on a loaded
  // machine the last ones wait for a connection longer than the default 5 s. This test is about
  // exactness, not latency, so waiting for a connection must not fail it.
  t = await createDataApp({ env: { DB_POOL_MAX: '20', DB_POOL_TIMEOUT_MS: '120000' } });
  const plans = new PlansService(new PlansRepository(t.db, t.ctx), t.config, t.ctx, TenantConfigCache.uncached(t.ctx));
  usage = new UsageService(t.ctx, t.db, new UsageRepository(t.db), new PlanUsageLimits(plans), t.config);
});
afterAll(async () => {
  await t?.close();
});

async function tenantWithMessages(limit: number): Promise<string> {
  const tenantId = await makeTenant(t.platform);
  await t.platform.client.tenant.update({ where: { id: tenantId }, data: { limitOverrides: { messages_per_month: limit } } });
  return tenantId;
}

async function counter(tenantId: string, metric: string): Promise<{ used: number; reserved: number }> {
  const row = await t.platform.client.usageCounter.findFirst({ where: { tenantId, metric } });
  return { used: Number(row?.used ?? 0), reserved: Number(row?.reserved ?? 0) };
}

describe('quota consumption under concurrency', () => {
  it('200 concurrent consumptions with 50 left: exactly 50 succeed, the other 150 are quota_exceeded', async () => {
    const tenantId = await tenantWithMessages(100);
    const now = new Date();
    await t.ctx.run({ tenantId }, async () => usage.settle(await usage.reserve({ messages: 50 }, now), { messages: 50 }, now));

    const results = await Promise.allSettled(
      Array.from({ length: 200 }, () => t.ctx.run({ tenantId }, async () => usage.settle(await usage.reserve({ messages: 1 }, now), { messages: 1 }, now))),
    );

    const succeeded = results.filter((r) => r.status === 'fulfilled').length;
    const refusals = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect(succeeded).toBe(50);
    expect(refusals).toHaveLength(150);
    expect(refusals.filter((e) => !(e instanceof UsageError && e.code === UsageErrorCode.QuotaExceeded))).toEqual([]);
    expect(await counter(tenantId, 'messages')).toEqual({ used: 100, reserved: 0 });
    expect(await t.platform.client.usageReservation.count({ where: { tenantId } })).toBe(0);
  });

  it('a refusal carries the limit, the use and when the quota resets', async () => {
    const tenantId = await tenantWithMessages(1);
    const now = new Date('2026-11-22T10:00:00Z');
    await t.ctx.run({ tenantId }, () => usage.reserve({ messages: 1 }, now));

    const refusal = await t.ctx.run({ tenantId }, () => usage.reserve({ messages: 1 }, now)).catch((e: unknown) => e);

    expect(refusal).toBeInstanceOf(UsageError);
    expect((refusal as UsageError).extra).toMatchObject({ metric: 'messages', limit: 1, used: 0, resetAt: '2026-12-01T00:00:00.000Z' });
  });

  it('the plan’s limits apply when the tenant has no override (free: 1000 messages a month)', async () => {
    const tenantId = await makeTenant(t.platform);
    const now = new Date();

    await expect(t.ctx.run({ tenantId }, () => usage.reserve({ messages: 1000 }, now))).resolves.toBeDefined();
    await expect(t.ctx.run({ tenantId }, () => usage.reserve({ messages: 1 }, now))).rejects.toMatchObject({ code: 'quota_exceeded' });
  });
});
