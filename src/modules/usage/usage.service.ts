import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../platform/config/config.js';
import { TenantContext } from '../../platform/context/tenant-context.js';
import { TenantDb } from '../../platform/db/tenant-db.js';
import { type Statement, sqlDetailOf, sqlStateOf } from '../../platform/db/statement.js';
import { metrics } from '../../platform/observability/metrics.js';
import { UsageError } from './usage.errors.js';
import { UsageLimits, type UsageLimitSet } from './usage-limits.js';
import { type UsageAmounts, type UsageMetric, dayOf, periodEndOf, periodStartOf, USAGE_METRICS } from './usage-metrics.js';
import { type CounterRow, type LedgerOutcome, type Reconciled, UsageRepository } from './usage.repository.js';

/**
 * How long the reconciliation keeps a reservation it released: a settle arriving within this time
 * (a call that outlived USAGE_RESERVATION_TTL_MS) still records its use; after it, nothing.
 */
export const RECONCILED_RESERVATIONS_KEPT_MS = 86_400_000;

/** Amounts held for one call in flight. Settle or release it once; a repeat changes nothing. */
export interface Reservation {
  /** Its row in the reservation ledger (usage_reservations). */
  readonly id: string;
  readonly tenantId: string;
  /** The period the amounts were reserved in; settling later still settles there. */
  readonly periodStart: string;
  readonly amounts: Readonly<UsageAmounts>;
}

/**
 * A reservation not made yet: its statement, to send alone (`UsageService.reserve`) or with the
 * writes that depend on it, in one batch (TenantDb.batch: all or nothing). When the batch fails,
 * `refusal` turns a quota refusal into its 402 (and counts it); anything else stays as it is.
 */
export interface PreparedReservation {
  readonly reservation: Reservation;
  readonly statement: Statement<void>;
  refusal(error: unknown): UsageError | undefined;
}

/** SQLSTATE raised by usage_quota_refused (the reservation statement's limit check). */
export const QUOTA_REFUSED_SQLSTATE = 'TQ001';

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
 * Every reservation has a row in the ledger (usage_reservations), written with its amounts and
 * removed with them: settle and release give back only what the row held, so repeating either
 * changes nothing, and a reservation whose process died expires (USAGE_RESERVATION_TTL_MS) and is
 * given back by `reconcileExpired` (the reconciliation job, jobs/).
 *
 * No permission check here: callers are services that have checked theirs; this one only needs
 * the tenant in context (and refuses a reservation of another tenant).
 */
@Injectable()
export class UsageService {
  private readonly logger = new Logger('Usage');

  constructor(
    private readonly ctx: TenantContext,
    private readonly db: TenantDb,
    private readonly counters: UsageRepository,
    private readonly limits: UsageLimits,
    private readonly config: AppConfig,
  ) {}

  /**
   * Holds `amounts` for one call, with its ledger row (expiring USAGE_RESERVATION_TTL_MS after
   * `now`), or refuses with 402 quota_exceeded. A reservation of nothing still gets its row, so
   * that its settle is recorded once like any other. Inside the caller's unit of work when there is
   * one (a refusal then undoes the caller's work too).
   */
  async reserve(amounts: UsageAmounts, now = new Date()): Promise<Reservation> {
    const prepared = await this.prepareReservation(amounts, now);
    try {
      await this.db.batch(prepared.statement);
    } catch (error) {
      throw prepared.refusal(error) ?? error;
    }
    return prepared.reservation;
  }

  /**
   * `reserve`, as a statement to send with other writes (PreparedReservation). The limits are
   * read now (the tenant configuration cache: no round trip when warm); the statement compares
   * them with the counters it has just locked and changed (UsageRepository.reservation).
   */
  async prepareReservation(amounts: UsageAmounts, now = new Date()): Promise<PreparedReservation> {
    const tenantId = this.ctx.requireTenantId('reserving usage');
    const periodStart = periodStartOf(now);
    const wanted = entries(amounts);
    const reservation: Reservation = { id: randomUUID(), tenantId, periodStart, amounts: Object.fromEntries(wanted.map((e) => [e.metric, e.amount])) };
    const expiresAt = new Date(now.getTime() + this.config.env.USAGE_RESERVATION_TTL_MS);
    const limits = wanted.length > 0 ? await this.limits.limitsFor(tenantId) : {};
    const made = this.counters.reservation(tenantId, { id: reservation.id, periodStart, createdAt: now, expiresAt, amounts: wanted }, capsOf(limits));
    return {
      reservation,
      statement: {
        ...made,
        read: (rows) => {
          made.read(rows);
          for (const { metric } of wanted) metrics.quotaReservations.inc({ metric });
        },
      },
      refusal: (error) => this.refusalOf(error, limits, periodStart),
    };
  }

  /** A reservation statement's refusal (TQ001, its DETAIL naming the metric) as 402 quota_exceeded, counted. */
  private refusalOf(error: unknown, limits: UsageLimitSet, periodStart: string): UsageError | undefined {
    if (sqlStateOf(error) !== QUOTA_REFUSED_SQLSTATE) return undefined;
    const detail = JSON.parse(sqlDetailOf(error) ?? '{}') as { metric?: UsageMetric; limit?: number; used?: number };
    const metric = detail.metric ?? 'messages';
    metrics.quotaRejections.inc({ metric, plan: limits.plan ?? 'none' });
    return UsageError.quotaExceeded(metric, Number(detail.limit ?? limits[metric] ?? 0), Number(detail.used ?? 0), periodStart, periodEndOf(periodStart));
  }

  /**
   * Releases the reservation and records what was really consumed (which may differ). Recorded
   * once: a repeated settle, or one after release, changes nothing. After the reconciliation
   * released an expired reservation, its settle still records the use (the call did consume) but
   * releases nothing more.
   */
  async settle(reservation: Reservation, actual: UsageAmounts, now = new Date()): Promise<void> {
    await this.db.batch(this.settlement(reservation, actual, now));
  }

  /** `settle`, as a statement to send with other writes (TenantDb.batch). */
  settlement(reservation: Reservation, actual: UsageAmounts, now = new Date()): Statement<void> {
    const tenantId = this.ownTenant(reservation);
    const made = this.counters.settlement(tenantId, reservation.id, dayOf(now), entries(actual));
    return { ...made, read: (rows) => this.noteLate('settled', reservation, made.read(rows)) };
  }

  /**
   * Records consumption that needs no reservation: a metered metric no quota caps (API calls,
   * counted by ApiCallMeter), in the counters and the day's history.
   */
  async record(amounts: UsageAmounts, now = new Date()): Promise<void> {
    const tenantId = this.ctx.requireTenantId('recording usage');
    const uses = entries(amounts);
    if (uses.length === 0) return;
    await this.counters.record(tenantId, periodStartOf(now), dayOf(now), uses);
  }

  /**
   * Attributes consumption to whoever acts (the user or API key in context; neither for the
   * widget) and the model, for the usage breakdown. Call it beside `settle`, in the same unit of
   * work; it enforces nothing.
   */
  async attribute(use: { model: string | null; messages: number; promptTokens: number; completionTokens: number }, now = new Date()): Promise<void> {
    await this.db.batch(this.attribution(use, now));
  }

  /** `attribute`, as a statement to send with other writes (TenantDb.batch). */
  attribution(use: { model: string | null; messages: number; promptTokens: number; completionTokens: number }, now = new Date()): Statement<void> {
    const tenantId = this.ctx.requireTenantId('attributing usage');
    const state = this.ctx.current();
    return this.counters.attribution(tenantId, {
      day: dayOf(now),
      userId: state?.userId ?? null,
      apiKeyId: state?.apiKeyId ?? null,
      model: use.model,
      messages: whole(use.messages),
      promptTokens: whole(use.promptTokens),
      completionTokens: whole(use.completionTokens),
    });
  }

  /** Gives the reservation back: the call consumed nothing (it failed before or at the provider). Once. */
  async release(reservation: Reservation): Promise<void> {
    await this.db.batch(this.releasing(reservation));
  }

  /** `release`, as a statement to send with other writes (TenantDb.batch). */
  releasing(reservation: Reservation): Statement<void> {
    const tenantId = this.ownTenant(reservation);
    const made = this.counters.releasing(tenantId, reservation.id);
    return { ...made, read: (rows) => this.noteLate('released', reservation, made.read(rows)) };
  }

  /**
   * Gives back the tenant's reservations that expired before `now` (their process died, or their
   * call outlived USAGE_RESERVATION_TTL_MS), and forgets those released more than
   * RECONCILED_RESERVATIONS_KEPT_MS ago. Idempotent: a second run finds nothing to release.
   */
  async reconcileExpired(now = new Date()): Promise<Reconciled> {
    const tenantId = this.ctx.requireTenantId('reconciling usage reservations');
    const result = await this.counters.reconcile(tenantId, now, new Date(now.getTime() - RECONCILED_RESERVATIONS_KEPT_MS));
    if (result.reservations > 0) {
      metrics.quotaReconciled.inc(result.reservations);
      this.logger.log({ tenantId, reservations: result.reservations, released: result.released }, 'released expired usage reservations');
    }
    return result;
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
    // One statement for the tenant's numbers (a consistent snapshot without a transaction); the
    // limits come from the tenant configuration cache (no round trip when warm).
    const since = dayOf(new Date(now.getTime() - 29 * 86_400_000));
    const [{ counters, seats, daily }, limits] = await Promise.all([this.counters.report(tenantId, periodStart, since), this.limits.limitsFor(tenantId)]);
    const metrics = USAGE_METRICS.map((metric) => {
      const counter = counters.find((c) => c.metric === metric);
      const used = metric === 'seats' ? seats : (counter?.used ?? 0);
      return { metric, used, reserved: counter?.reserved ?? 0, limit: limits[metric] ?? null };
    });
    return { periodStart, resetAt: periodEndOf(periodStart), metrics, daily };
  }

  /** A settle or release that found its reservation already reconciled or gone: worth knowing, harmless. */
  private noteLate(action: 'settled' | 'released', reservation: Reservation, outcome: LedgerOutcome): void {
    if (outcome === 'held') return;
    const what =
      outcome === 'reconciled'
        ? 'after the reconciliation had released it (the call outlived USAGE_RESERVATION_TTL_MS): nothing released again'
        : 'that was already settled or released: nothing changed';
    this.logger.warn({ tenantId: reservation.tenantId, reservationId: reservation.id }, `${action} a usage reservation ${what}`);
  }

  private ownTenant(reservation: Reservation): string {
    const tenantId = this.ctx.requireTenantId('settling usage');
    if (reservation.tenantId !== tenantId) throw new Error('A usage reservation can only be settled in the tenant that made it');
    return tenantId;
  }
}

/** The limits a reservation is checked against: the metered metrics that have one. */
function capsOf(limits: UsageLimitSet): Partial<Record<UsageMetric, number>> {
  return Object.fromEntries(USAGE_METRICS.flatMap((metric) => (typeof limits[metric] === 'number' ? [[metric, limits[metric]]] : [])));
}

function whole(amount: number | undefined): number {
  if (amount === undefined) return 0;
  if (!Number.isFinite(amount) || amount < 0) throw new RangeError(`Usage amounts must be finite and non-negative, got ${amount}`);
  return Math.ceil(amount);
}

function entries(amounts: UsageAmounts): Array<{ metric: UsageMetric; amount: number }> {
  return USAGE_METRICS.map((metric) => ({ metric, amount: whole(amounts[metric]) })).filter((e) => e.amount > 0);
}
