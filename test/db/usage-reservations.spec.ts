import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PlansRepository } from '../../src/modules/billing/plans/plans.repository.js';
import { TenantConfigCache } from '../../src/platform/cache/tenant-config-cache.js';
import { PlansService } from '../../src/modules/billing/plans/plans.service.js';
import { PlanUsageLimits } from '../../src/modules/usage/plan-usage-limits.js';
import { UsageRepository } from '../../src/modules/usage/usage.repository.js';
import { RECONCILED_RESERVATIONS_KEPT_MS, type Reservation, UsageService } from '../../src/modules/usage/usage.service.js';
import { createDataApp, type DataApp, makeTenant } from '../support/data-app.js';

/**
 * The reservation ledger: every reservation is a row written with its amounts and removed with
 * them, so settle and release give back only what the row held (a repeat changes nothing), and a
 * reservation whose process died is given back by the reconciliation once it expired. Real
 * PostgreSQL; time is passed in (`now`), never waited for.
 */

let t: DataApp;
let usage: UsageService;
let ttl: number;

beforeAll(async () => {
  t = await createDataApp({ env: { DB_POOL_MAX: '20' } });
  const plans = new PlansService(new PlansRepository(t.db, t.ctx), t.config, t.ctx, TenantConfigCache.uncached(t.ctx));
  usage = new UsageService(t.ctx, t.db, new UsageRepository(t.db), new PlanUsageLimits(plans), t.config);
  ttl = t.config.env.USAGE_RESERVATION_TTL_MS;
});
afterAll(async () => {
  await t?.close();
});

const T0 = new Date('2026-11-22T10:00:00Z');
const later = (ms: number, from = T0): Date => new Date(from.getTime() + ms);
/** The first instant at which a reservation made at T0 has expired (ttl is read in beforeAll). */
const afterExpiry = (): Date => later(ttl + 1);

async function tenantWithMessages(limit: number): Promise<string> {
  const tenantId = await makeTenant(t.platform);
  await t.platform.client.tenant.update({ where: { id: tenantId }, data: { limitOverrides: { messages_per_month: limit } } });
  return tenantId;
}

const inTenant = <T>(tenantId: string, fn: () => Promise<T>): Promise<T> => t.ctx.run({ tenantId }, fn);

/** The tables as they are, through the platform role. */
async function counters(tenantId: string): Promise<Record<string, { used: number; reserved: number }>> {
  const rows = await t.platform.client.usageCounter.findMany({ where: { tenantId }, orderBy: { metric: 'asc' } });
  return Object.fromEntries(rows.map((r) => [r.metric, { used: Number(r.used), reserved: Number(r.reserved) }]));
}
async function ledger(tenantId: string): Promise<Array<{ id: string; amounts: unknown; released: boolean }>> {
  const rows = await t.platform.client.usageReservation.findMany({ where: { tenantId }, orderBy: { createdAt: 'asc' } });
  return rows.map((r) => ({ id: r.id, amounts: r.amounts, released: r.releasedAt !== null }));
}
async function daily(tenantId: string): Promise<Record<string, number>> {
  const rows = await t.platform.client.usageDaily.findMany({ where: { tenantId } });
  return Object.fromEntries(rows.map((r) => [r.metric, Number(r.amount)]));
}
/** The invariant the ledger keeps: per metric, `reserved` is the sum of the rows still held. */
async function heldInLedger(tenantId: string): Promise<Record<string, number>> {
  const rows = await t.platform.client.usageReservation.findMany({ where: { tenantId, releasedAt: null } });
  const sums: Record<string, number> = {};
  for (const row of rows) for (const [metric, amount] of Object.entries(row.amounts as Record<string, number>)) sums[metric] = (sums[metric] ?? 0) + amount;
  return sums;
}
async function reservedInCounters(tenantId: string): Promise<Record<string, number>> {
  return Object.fromEntries(Object.entries(await counters(tenantId)).flatMap(([metric, c]) => (c.reserved > 0 ? [[metric, c.reserved]] : [])));
}

describe('the ledger row of a reservation', () => {
  it('is written with the reservation, carries its id, amounts and expiry, and is deleted by settle', async () => {
    const tenantId = await makeTenant(t.platform);

    const reservation = await inTenant(tenantId, () => usage.reserve({ messages: 1, tokens: 600 }, T0));

    const [row] = await t.platform.client.usageReservation.findMany({ where: { tenantId } });
    expect(row).toMatchObject({ id: reservation.id, amounts: { messages: 1, tokens: 600 }, createdAt: T0, expiresAt: later(ttl), releasedAt: null });
    expect(row!.periodStart.toISOString().slice(0, 10)).toBe('2026-11-01');

    await inTenant(tenantId, () => usage.settle(reservation, { messages: 1, tokens: 42 }, T0));

    expect(await ledger(tenantId)).toEqual([]);
    expect(await counters(tenantId)).toEqual({ messages: { used: 1, reserved: 0 }, tokens: { used: 42, reserved: 0 } });
  });

  it('is not written when the reservation is refused (402): the refusal rolls both back', async () => {
    const tenantId = await tenantWithMessages(1);
    await inTenant(tenantId, () => usage.reserve({ messages: 1 }, T0));

    await expect(inTenant(tenantId, () => usage.reserve({ messages: 1, tokens: 10 }, T0))).rejects.toMatchObject({ code: 'quota_exceeded' });

    expect(await ledger(tenantId)).toHaveLength(1);
    expect(await counters(tenantId)).toEqual({ messages: { used: 0, reserved: 1 } });
  });
});

describe('a reservation whose process died (reserved, never settled nor released)', () => {
  it('holds its quota until it expires; the reconciliation then gives it back and the quota is usable again', async () => {
    const tenantId = await tenantWithMessages(3);
    await inTenant(tenantId, async () => usage.settle(await usage.reserve({ messages: 1 }, T0), { messages: 1 }, T0));
    // Two calls in flight in a process that is then killed: neither is ever settled.
    await inTenant(tenantId, () => usage.reserve({ messages: 1, tokens: 500 }, T0));
    await inTenant(tenantId, () => usage.reserve({ messages: 1, tokens: 700 }, later(1000)));
    await expect(inTenant(tenantId, () => usage.reserve({ messages: 1 }, later(2000)))).rejects.toMatchObject({ code: 'quota_exceeded' });

    // Not yet expired: the calls might still be running.
    expect(await inTenant(tenantId, () => usage.reconcileExpired(later(ttl)))).toEqual({ reservations: 0, released: [], forgotten: 0 });
    expect(await counters(tenantId)).toEqual({ messages: { used: 1, reserved: 2 }, tokens: { used: 0, reserved: 1200 } });

    // Past the first one's expiry only.
    expect(await inTenant(tenantId, () => usage.reconcileExpired(afterExpiry()))).toEqual({
      reservations: 1,
      released: [
        { periodStart: '2026-11-01', metric: 'messages', amount: 1 },
        { periodStart: '2026-11-01', metric: 'tokens', amount: 500 },
      ],
      forgotten: 0,
    });
    // Past both: the second one goes too; the first is not released twice.
    expect(await inTenant(tenantId, () => usage.reconcileExpired(later(ttl + 5000)))).toMatchObject({
      reservations: 1,
      released: [
        { periodStart: '2026-11-01', metric: 'messages', amount: 1 },
        { periodStart: '2026-11-01', metric: 'tokens', amount: 700 },
      ],
    });
    expect(await inTenant(tenantId, () => usage.reconcileExpired(later(ttl + 9000)))).toMatchObject({ reservations: 0 });

    expect(await counters(tenantId)).toEqual({ messages: { used: 1, reserved: 0 }, tokens: { used: 0, reserved: 0 } });
    // The quota is back: two more messages fit, a third does not.
    const now = later(ttl + 10_000);
    await inTenant(tenantId, async () => usage.settle(await usage.reserve({ messages: 1 }, now), { messages: 1 }, now));
    await inTenant(tenantId, async () => usage.settle(await usage.reserve({ messages: 1 }, now), { messages: 1 }, now));
    await expect(inTenant(tenantId, () => usage.reserve({ messages: 1 }, now))).rejects.toMatchObject({ code: 'quota_exceeded' });
  });

  it("reconciles only the tenant in context: another tenant's expired reservations stay until its own run", async () => {
    const [mine, other] = [await makeTenant(t.platform), await makeTenant(t.platform)];
    await inTenant(mine, () => usage.reserve({ tokens: 10 }, T0));
    await inTenant(other, () => usage.reserve({ tokens: 20 }, T0));

    expect(await inTenant(mine, () => usage.reconcileExpired(afterExpiry()))).toMatchObject({ reservations: 1 });

    expect(await counters(other)).toEqual({ tokens: { used: 0, reserved: 20 } });
    expect(await ledger(other)).toEqual([expect.objectContaining({ released: false })]);
  });

  it('keeps a reconciled row for a day (a late settle still records its use), then forgets it', async () => {
    const tenantId = await makeTenant(t.platform);
    const reservation = await inTenant(tenantId, () => usage.reserve({ messages: 1 }, T0));
    const reconciledAt = afterExpiry();
    await inTenant(tenantId, () => usage.reconcileExpired(reconciledAt));

    expect(await inTenant(tenantId, () => usage.reconcileExpired(later(RECONCILED_RESERVATIONS_KEPT_MS, reconciledAt)))).toMatchObject({ forgotten: 0 });
    expect(await ledger(tenantId)).toEqual([{ id: reservation.id, amounts: { messages: 1 }, released: true }]);

    expect(await inTenant(tenantId, () => usage.reconcileExpired(later(RECONCILED_RESERVATIONS_KEPT_MS + 1, reconciledAt)))).toEqual({
      reservations: 0,
      released: [],
      forgotten: 1,
    });
    expect(await ledger(tenantId)).toEqual([]);

    // Settled after that: the row is gone, nothing is recorded (and nothing released).
    await inTenant(tenantId, () => usage.settle(reservation, { messages: 1 }, T0));
    expect(await counters(tenantId)).toEqual({ messages: { used: 0, reserved: 0 } });
    expect(await daily(tenantId)).toEqual({});
  });
});

describe('settle and release are idempotent: nothing is released twice', () => {
  /** A tenant with one reservation in flight beside the one under test, so a double release would show. */
  async function withBystander(): Promise<{ tenantId: string; bystander: Reservation; reservation: Reservation }> {
    const tenantId = await makeTenant(t.platform);
    const bystander = await inTenant(tenantId, () => usage.reserve({ messages: 1, tokens: 300 }, T0));
    const reservation = await inTenant(tenantId, () => usage.reserve({ messages: 1, tokens: 600 }, T0));
    return { tenantId, bystander, reservation };
  }

  it('settle twice: the use is recorded once, the reservation released once', async () => {
    const { tenantId, reservation } = await withBystander();

    await inTenant(tenantId, () => usage.settle(reservation, { messages: 1, tokens: 42 }, T0));
    await inTenant(tenantId, () => usage.settle(reservation, { messages: 1, tokens: 42 }, T0));

    expect(await counters(tenantId)).toEqual({ messages: { used: 1, reserved: 1 }, tokens: { used: 42, reserved: 300 } });
    expect(await daily(tenantId)).toEqual({ messages: 1, tokens: 42 });
  });

  it("release twice: the second release does not take the other reservation's amount", async () => {
    const { tenantId, reservation } = await withBystander();

    await inTenant(tenantId, () => usage.release(reservation));
    await inTenant(tenantId, () => usage.release(reservation));

    expect(await counters(tenantId)).toEqual({ messages: { used: 0, reserved: 1 }, tokens: { used: 0, reserved: 300 } });
  });

  it('settle after release, and release after settle, change nothing', async () => {
    const { tenantId, reservation } = await withBystander();
    const second = await inTenant(tenantId, () => usage.reserve({ tokens: 50 }, T0));

    await inTenant(tenantId, () => usage.release(reservation));
    await inTenant(tenantId, () => usage.settle(reservation, { messages: 1, tokens: 600 }, T0));
    await inTenant(tenantId, () => usage.settle(second, { tokens: 40 }, T0));
    await inTenant(tenantId, () => usage.release(second));

    expect(await counters(tenantId)).toEqual({ messages: { used: 0, reserved: 1 }, tokens: { used: 40, reserved: 300 } });
    expect(await daily(tenantId)).toEqual({ tokens: 40 });
  });

  it('settle after the reconciliation released it: the use is recorded (the call did consume), nothing is released again', async () => {
    const tenantId = await makeTenant(t.platform);
    const slow = await inTenant(tenantId, () => usage.reserve({ messages: 1, tokens: 600 }, T0));
    const fresh = await inTenant(tenantId, () => usage.reserve({ messages: 1, tokens: 300 }, later(ttl))); // not expired yet
    await inTenant(tenantId, () => usage.reconcileExpired(afterExpiry()));

    await inTenant(tenantId, () => usage.settle(slow, { messages: 1, tokens: 420 }, afterExpiry()));
    await inTenant(tenantId, () => usage.settle(slow, { messages: 1, tokens: 420 }, afterExpiry()));

    expect(await counters(tenantId)).toEqual({ messages: { used: 1, reserved: 1 }, tokens: { used: 420, reserved: 300 } });
    expect(await daily(tenantId)).toEqual({ messages: 1, tokens: 420 });
    expect((await ledger(tenantId)).map((r) => r.id)).toEqual([fresh.id]);
  });

  it('release after the reconciliation released it changes nothing', async () => {
    const tenantId = await makeTenant(t.platform);
    const slow = await inTenant(tenantId, () => usage.reserve({ tokens: 600 }, T0));
    await inTenant(tenantId, () => usage.reserve({ tokens: 300 }, later(ttl)));
    await inTenant(tenantId, () => usage.reconcileExpired(afterExpiry()));

    await inTenant(tenantId, () => usage.release(slow));

    expect(await counters(tenantId)).toEqual({ tokens: { used: 0, reserved: 300 } });
  });
});

describe('under concurrency', () => {
  it('settles racing the reconciliation release each reservation exactly once, and record every use once', async () => {
    const tenantId = await makeTenant(t.platform);
    const expiring = await Promise.all(Array.from({ length: 30 }, () => inTenant(tenantId, () => usage.reserve({ messages: 1, tokens: 10 }, T0))));
    const live = await inTenant(tenantId, () => usage.reserve({ messages: 1, tokens: 10 }, later(ttl)));

    await Promise.all([
      ...expiring.map((r, i) => inTenant(tenantId, () => (i % 3 === 2 ? usage.release(r) : usage.settle(r, { messages: 1, tokens: 7 }, afterExpiry())))),
      ...Array.from({ length: 4 }, () => inTenant(tenantId, () => usage.reconcileExpired(afterExpiry()))),
      // Repeats racing the first calls.
      ...expiring.slice(0, 6).map((r) => inTenant(tenantId, () => usage.settle(r, { messages: 1, tokens: 7 }, afterExpiry()))),
      ...expiring.slice(0, 6).map((r) => inTenant(tenantId, () => usage.release(r))),
    ]);

    const after = await counters(tenantId);
    // Only the live reservation is still held; a repeat may have found its row already gone.
    expect(after.messages!.reserved).toBe(1);
    expect(after.tokens!.reserved).toBe(10);
    expect(await reservedInCounters(tenantId)).toEqual(await heldInLedger(tenantId));
    // Each use recorded once at most. Reservations 6..29 had one caller each: their 16 settles
    // recorded. Of 0..5, which call came first decides: settle records (once), release does not.
    expect(after.messages!.used).toBeGreaterThanOrEqual(16);
    expect(after.messages!.used).toBeLessThanOrEqual(16 + 6);
    expect(after.tokens!.used).toBe(after.messages!.used * 7);
    expect((await ledger(tenantId)).filter((r) => !r.released).map((r) => r.id)).toEqual([live.id]);
  });

  it('many reservations, settles and releases at once leave `reserved` equal to what the ledger still holds', async () => {
    const tenantId = await makeTenant(t.platform);
    const reservations = await Promise.all(
      Array.from({ length: 40 }, (_, i) => inTenant(tenantId, () => usage.reserve({ messages: 1, tokens: 10 + i }, T0))),
    );

    await Promise.all(
      reservations.map((r, i) =>
        inTenant(tenantId, async () => {
          if (i % 4 === 0) return; // still in flight
          if (i % 4 === 1) await usage.release(r);
          else await usage.settle(r, { messages: 1, tokens: 5 }, T0);
        }),
      ),
    );

    expect(await reservedInCounters(tenantId)).toEqual(await heldInLedger(tenantId));
    expect(await counters(tenantId)).toEqual({
      messages: { used: 20, reserved: 10 },
      tokens: { used: 100, reserved: reservations.filter((_, i) => i % 4 === 0).reduce((sum, r) => sum + r.amounts.tokens!, 0) },
    });
  });
});
