import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createDataApp, type DataApp, makeTenant } from '../../../test/support/data-app.js';
import { UsageLimits, type UsageLimitSet } from './usage-limits.js';
import { UsageRepository } from './usage.repository.js';
import { UsageService } from './usage.service.js';

/**
 * The usage seam against the real database: reserve before a call, settle or release after,
 * atomically, per tenant (RLS), per calendar month (UTC), with limits enforced inside reserve.
 */

class FixedLimits extends UsageLimits {
  constructor(private readonly limits: UsageLimitSet) {
    super();
  }

  override limitsFor(): Promise<UsageLimitSet> {
    return Promise.resolve(this.limits);
  }
}

let t: DataApp;
let usage: UsageService;
const withLimits = (limits: UsageLimitSet) => new UsageService(t.ctx, t.db, new UsageRepository(t.db), new FixedLimits(limits), t.config);

beforeAll(async () => {
  t = await createDataApp();
  usage = withLimits({});
});
afterAll(async () => {
  await t?.close();
});

let tenantId: string;
beforeEach(async () => {
  tenantId = await makeTenant(t.platform);
});

const inTenant = <T>(fn: () => Promise<T>, id = tenantId): Promise<T> => t.ctx.run({ tenantId: id }, fn);

/** What the tables hold, read through the platform role (outside RLS and any transaction). */
async function countersInTable(id = tenantId) {
  const rows = await t.platform.client.usageCounter.findMany({ where: { tenantId: id }, orderBy: [{ periodStart: 'asc' }, { metric: 'asc' }] });
  return rows.map((r) => ({ metric: r.metric, period: r.periodStart.toISOString().slice(0, 10), used: Number(r.used), reserved: Number(r.reserved) }));
}
async function dailyInTable(id = tenantId) {
  const rows = await t.platform.client.usageDaily.findMany({ where: { tenantId: id }, orderBy: [{ day: 'asc' }, { metric: 'asc' }] });
  return rows.map((r) => ({ metric: r.metric, day: r.day.toISOString().slice(0, 10), amount: Number(r.amount) }));
}

const NOV = new Date('2026-11-22T10:00:00Z');

describe('reserve, settle, release', () => {
  it('reserve holds the amounts in the month’s counters; settle turns them into use and daily history', async () => {
    const reservation = await inTenant(() => usage.reserve({ messages: 1, tokens: 600 }, NOV));

    expect(reservation).toEqual({ id: expect.any(String), tenantId, periodStart: '2026-11-01', amounts: { messages: 1, tokens: 600 } });
    expect(await countersInTable()).toEqual([
      { metric: 'messages', period: '2026-11-01', used: 0, reserved: 1 },
      { metric: 'tokens', period: '2026-11-01', used: 0, reserved: 600 },
    ]);

    await inTenant(() => usage.settle(reservation, { messages: 1, tokens: 42 }, NOV));

    expect(await countersInTable()).toEqual([
      { metric: 'messages', period: '2026-11-01', used: 1, reserved: 0 },
      { metric: 'tokens', period: '2026-11-01', used: 42, reserved: 0 },
    ]);
    expect(await dailyInTable()).toEqual([
      { metric: 'messages', day: '2026-11-22', amount: 1 },
      { metric: 'tokens', day: '2026-11-22', amount: 42 },
    ]);
  });

  it('release gives the reservation back and consumes nothing', async () => {
    const reservation = await inTenant(() => usage.reserve({ messages: 1, tokens: 600 }, NOV));

    await inTenant(() => usage.release(reservation));

    expect(await countersInTable()).toEqual([
      { metric: 'messages', period: '2026-11-01', used: 0, reserved: 0 },
      { metric: 'tokens', period: '2026-11-01', used: 0, reserved: 0 },
    ]);
    expect(await dailyInTable()).toEqual([]);
  });

  it('accumulates over calls, and settles in the period it reserved in even after the month turned', async () => {
    const jan = await inTenant(() => usage.reserve({ tokens: 100 }, new Date('2026-01-31T23:59:59Z')));
    await inTenant(() => usage.settle(jan, { tokens: 30 }, new Date('2026-02-01T00:00:01Z')));
    const feb = await inTenant(() => usage.reserve({ tokens: 100 }, new Date('2026-02-03T08:00:00Z')));
    await inTenant(() => usage.settle(feb, { tokens: 20 }, new Date('2026-02-03T08:00:01Z')));
    const feb2 = await inTenant(() => usage.reserve({ tokens: 100 }, new Date('2026-02-03T09:00:00Z')));
    await inTenant(() => usage.settle(feb2, { tokens: 5 }, new Date('2026-02-03T09:00:01Z')));

    expect(await countersInTable()).toEqual([
      { metric: 'tokens', period: '2026-01-01', used: 30, reserved: 0 },
      { metric: 'tokens', period: '2026-02-01', used: 25, reserved: 0 },
    ]);
    expect(await dailyInTable()).toEqual([
      { metric: 'tokens', day: '2026-02-01', amount: 30 },
      { metric: 'tokens', day: '2026-02-03', amount: 25 },
    ]);
  });

  it('loses no update under concurrent reservations and settlements', async () => {
    const reservations = await Promise.all(Array.from({ length: 20 }, () => inTenant(() => usage.reserve({ messages: 1, tokens: 10 }, NOV))));
    expect(await countersInTable()).toEqual([
      { metric: 'messages', period: '2026-11-01', used: 0, reserved: 20 },
      { metric: 'tokens', period: '2026-11-01', used: 0, reserved: 200 },
    ]);

    await Promise.all(reservations.map((r, i) => inTenant(() => (i % 2 === 0 ? usage.settle(r, { messages: 1, tokens: 3 }, NOV) : usage.release(r)))));

    expect(await countersInTable()).toEqual([
      { metric: 'messages', period: '2026-11-01', used: 10, reserved: 0 },
      { metric: 'tokens', period: '2026-11-01', used: 30, reserved: 0 },
    ]);
  });

  it('keeps tenants apart: another tenant neither sees nor settles these counters', async () => {
    const other = await makeTenant(t.platform);
    const reservation = await inTenant(() => usage.reserve({ messages: 1 }, NOV));

    expect(await inTenant(() => usage.current(NOV), other)).toEqual({ periodStart: '2026-11-01', counters: [] });
    await expect(inTenant(() => usage.settle(reservation, { messages: 1 }, NOV), other)).rejects.toThrow(/tenant that made it/);
    expect(await inTenant(() => usage.current(NOV))).toEqual({ periodStart: '2026-11-01', counters: [{ metric: 'messages', used: 0, reserved: 1 }] });
  });

  it('needs a tenant in context', async () => {
    await expect(t.ctx.run({}, () => usage.reserve({ messages: 1 }))).rejects.toMatchObject({ code: 'tenant_context_missing' });
  });
});

describe('limits, enforced inside reserve (the billing module supplies them; none exist today)', () => {
  it('the default UsageLimits limits nothing', async () => {
    expect(await new UsageLimits().limitsFor(tenantId)).toEqual({});
  });

  it('refuses a reservation that would pass a limit with 402 quota_exceeded, and changes nothing', async () => {
    const limited = withLimits({ messages: 2 });
    const first = await inTenant(() => limited.reserve({ messages: 1 }, NOV));
    await inTenant(() => limited.settle(first, { messages: 1 }, NOV));
    await inTenant(() => limited.reserve({ messages: 1 }, NOV)); // in flight: counts against the limit too

    const refused = inTenant(() => limited.reserve({ messages: 1, tokens: 10 }, NOV));

    await expect(refused).rejects.toMatchObject({ code: 'quota_exceeded', status: 402, extra: { metric: 'messages', limit: 2, used: 1 } });
    expect(await countersInTable()).toEqual([{ metric: 'messages', period: '2026-11-01', used: 1, reserved: 1 }]);
  });

  it("undoes the caller's unit of work when the reservation is refused inside it", async () => {
    const limited = withLimits({ tokens: 5 });

    const work = inTenant(() =>
      t.db.transaction(async (tx) => {
        await tx.tenantSettings.update({ where: { tenantId }, data: { displayName: 'changed before the refusal' } });
        await limited.reserve({ tokens: 6 }, NOV);
      }),
    );

    await expect(work).rejects.toMatchObject({ code: 'quota_exceeded' });
    const settings = await t.platform.client.tenantSettings.findUniqueOrThrow({ where: { tenantId } });
    expect(settings.displayName).not.toBe('changed before the refusal');
    expect(await countersInTable()).toEqual([]);
  });

  it('lets concurrent reservations through up to the limit, and not one more', async () => {
    const limited = withLimits({ messages: 5 });

    const outcomes = await Promise.allSettled(Array.from({ length: 12 }, () => inTenant(() => limited.reserve({ messages: 1 }, NOV))));

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(5);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => (o).reason.code)).toEqual(Array(7).fill('quota_exceeded'));
    expect(await countersInTable()).toEqual([{ metric: 'messages', period: '2026-11-01', used: 0, reserved: 5 }]);
  });
});
