import { Injectable } from '@nestjs/common';
import { TenantContext } from '../../platform/context/tenant-context.js';
import { TenantDb } from '../../platform/db/tenant-db.js';
import { UsageError } from './usage.errors.js';
import { UsageLimits } from './usage-limits.js';
import { type UsageAmounts, type UsageMetric, dayOf, periodEndOf, periodStartOf, USAGE_METRICS } from './usage-metrics.js';
import { type CounterRow, UsageRepository } from './usage.repository.js';

/** Amounts held for one call in flight. Settle or release it exactly once. */
export interface Reservation {
  readonly tenantId: string;
  /** The period the amounts were reserved in; settling later still settles there. */
  readonly periodStart: string;
  readonly amounts: Readonly<UsageAmounts>;
}

export interface UsageSnapshot {
  periodStart: string;
  counters: CounterRow[];
}

/** GET /usage: this period's use against each limit (null: unlimited), and the daily history. */
export interface UsageReport {
  periodStart: string;
  resetAt: string;
  metrics: Array<{ metric: UsageMetric; used: number; reserved: number; limit: number | null }>;
  daily: Array<{ day: string; metric: UsageMetric; amount: number }>;
}

/**
 * The seam between the product and its quotas: a caller reserves what a call may consume before
 * making it, then settles the real amounts, or releases the reservation when the call failed.
 * `reserve` is where limits are enforced (402 quota_exceeded): the counters change in one atomic
 * statement each, inside the caller's unit of work when there is one (a refusal then undoes the
 * caller's work too), else in a unit of work of their own. See docs/adr/0006-usage-seam.md.
 *
 * No permission check here: callers are services that have checked theirs; this one only needs
 * the tenant in context (and refuses a reservation of another tenant).
 */
@Injectable()
export class UsageService {
  constructor(
    private readonly ctx: TenantContext,
    private readonly db: TenantDb,
    private readonly counters: UsageRepository,
    private readonly limits: UsageLimits,
  ) {}

  async reserve(amounts: UsageAmounts, now = new Date()): Promise<Reservation> {
    const tenantId = this.ctx.requireTenantId('reserving usage');
    const periodStart = periodStartOf(now);
    const wanted = entries(amounts);
    const reservation: Reservation = { tenantId, periodStart, amounts: Object.fromEntries(wanted.map((e) => [e.metric, e.amount])) };
    if (wanted.length === 0) return reservation;
    await this.db.transaction(async () => {
      const after = await this.counters.reserve(tenantId, periodStart, wanted);
      const limits = await this.limits.limitsFor(tenantId);
      for (const counter of after) {
        const limit = limits[counter.metric];
        // Over the limit: throwing rolls this reservation (and the caller's unit of work) back.
        if (limit !== undefined && counter.used + counter.reserved > limit) {
          throw UsageError.quotaExceeded(counter.metric, limit, counter.used, periodStart, periodEndOf(periodStart));
        }
      }
    });
    return reservation;
  }

  /** Releases the reservation and records what was really consumed (which may differ). */
  async settle(reservation: Reservation, actual: UsageAmounts, now = new Date()): Promise<void> {
    const tenantId = this.ownTenant(reservation);
    const metrics = USAGE_METRICS.filter((m) => (reservation.amounts[m] ?? 0) > 0 || (actual[m] ?? 0) > 0);
    if (metrics.length === 0) return;
    const changes = metrics.map((metric) => ({ metric, release: reservation.amounts[metric] ?? 0, use: whole(actual[metric]) }));
    await this.counters.settle(tenantId, reservation.periodStart, dayOf(now), changes);
  }

  /**
   * Records consumption that needs no reservation: a metered metric no quota caps (API calls,
   * counted by ApiCallMeter). Same statement as settle's, so the daily history follows.
   */
  async record(amounts: UsageAmounts, now = new Date()): Promise<void> {
    const tenantId = this.ctx.requireTenantId('recording usage');
    const changes = entries(amounts).map(({ metric, amount }) => ({ metric, release: 0, use: amount }));
    if (changes.length === 0) return;
    await this.counters.settle(tenantId, periodStartOf(now), dayOf(now), changes);
  }

  /** Gives the reservation back: the call consumed nothing (it failed before or at the provider). */
  async release(reservation: Reservation): Promise<void> {
    const tenantId = this.ownTenant(reservation);
    const held = entries(reservation.amounts);
    if (held.length === 0) return;
    await this.counters.release(tenantId, reservation.periodStart, held);
  }

  /** The tenant's counters of the current period. */
  async current(now = new Date()): Promise<UsageSnapshot> {
    const tenantId = this.ctx.requireTenantId('reading usage');
    const periodStart = periodStartOf(now);
    return { periodStart, counters: await this.counters.counters(tenantId, periodStart) };
  }

  /**
   * Admits `seats` more seats (a member or an invitation about to be created) or refuses with 402
   * quota_exceeded. Call it inside the unit of work that creates them: it takes the tenant's seat
   * lock, which serializes concurrent admissions until that unit of work ends.
   */
  async admitSeats(seats = 1): Promise<void> {
    const tenantId = this.ctx.requireTenantId('admitting seats');
    await this.db.transaction(async () => {
      const taken = await this.counters.lockAndCountSeats(tenantId);
      const limit = (await this.limits.limitsFor(tenantId)).seats;
      if (limit !== undefined && taken + seats > limit) throw UsageError.quotaExceeded('seats', limit, taken, periodStartOf(new Date()), null);
    });
  }

  /** This period's use against each limit, and the daily history of the last 30 days. */
  async report(now = new Date()): Promise<UsageReport> {
    this.ctx.requirePermission('usage:read');
    const tenantId = this.ctx.requireTenantId('reading usage');
    const periodStart = periodStartOf(now);
    return this.db.transaction(async () => {
      const counters = await this.counters.counters(tenantId, periodStart);
      const limits = await this.limits.limitsFor(tenantId);
      const seats = await this.counters.countSeats(tenantId);
      const since = dayOf(new Date(now.getTime() - 29 * 86_400_000));
      const daily = await this.counters.daily(tenantId, since);
      const metrics = USAGE_METRICS.map((metric) => {
        const counter = counters.find((c) => c.metric === metric);
        const used = metric === 'seats' ? seats : (counter?.used ?? 0);
        return { metric, used, reserved: counter?.reserved ?? 0, limit: limits[metric] ?? null };
      });
      return { periodStart, resetAt: periodEndOf(periodStart), metrics, daily };
    });
  }

  private ownTenant(reservation: Reservation): string {
    const tenantId = this.ctx.requireTenantId('settling usage');
    if (reservation.tenantId !== tenantId) throw new Error('A usage reservation can only be settled in the tenant that made it');
    return tenantId;
  }
}

function whole(amount: number | undefined): number {
  if (amount === undefined) return 0;
  if (!Number.isFinite(amount) || amount < 0) throw new RangeError(`Usage amounts must be finite and non-negative, got ${amount}`);
  return Math.ceil(amount);
}

function entries(amounts: UsageAmounts): Array<{ metric: UsageMetric; amount: number }> {
  return USAGE_METRICS.map((metric) => ({ metric, amount: whole(amounts[metric]) })).filter((e) => e.amount > 0);
}
