import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { PlatformDb } from '../../../platform/db/platform-db.js';
import { metrics } from '../../../platform/observability/metrics.js';

export type InboxStatus = 'pending' | 'processing' | 'processed' | 'ignored' | 'failed';

export interface StoredEvent {
  id: string;
  type: string;
  /** Stripe's `created`. */
  created: Date;
  payload: unknown;
  attempts: number;
}

export interface RecordOutcome {
  /** false: the event was already in the inbox (a redelivery). */
  inserted: boolean;
  status: InboxStatus;
}

/** An event not yet applied, as the inbox sweep sees it. */
export interface UnfinishedEvent {
  id: string;
  status: InboxStatus;
  attempts: number;
  receivedAt: Date;
}

/** An event as the platform console lists it (no payload: it names customers and amounts). */
export interface InboxEventView {
  id: string;
  type: string;
  status: InboxStatus;
  attempts: number;
  lastError: string | null;
  /** Stripe's `created`. */
  created: Date;
  receivedAt: Date;
  updatedAt: Date;
  processedAt: Date | null;
}

const VIEW = { id: true, type: true, status: true, attempts: true, lastError: true, created: true, receivedAt: true, updatedAt: true, processedAt: true } as const;

const MAX_ERROR_LENGTH = 2000;

/**
 * The inbox of Stripe events (stripe_events), keyed by Stripe's event id, and the one
 * cross-tenant lookup the webhook job needs (which tenant a Stripe customer belongs to). Platform
 * role: events come before any tenant is known.
 */
@Injectable()
export class StripeInbox {
  constructor(private readonly platform: PlatformDb) {}

  /**
   * Stores a verified event once (INSERT ... ON CONFLICT DO NOTHING): concurrent deliveries of one
   * event leave one row. Throws when the database cannot take it (the webhook then answers 5xx).
   */
  async record(event: Stripe.Event): Promise<RecordOutcome> {
    const { count } = await this.platform.client.stripeEvent.createMany({
      data: [
        {
          id: event.id,
          type: event.type,
          created: new Date(event.created * 1000),
          livemode: event.livemode,
          // Prisma's JSON input type does not accept Stripe's class-typed event.
          // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
          payload: event as unknown as object,
        },
      ],
      skipDuplicates: true,
    });
    metrics.stripeWebhooks.inc({ result: count === 1 ? 'received' : 'duplicate' });
    if (count === 1) return { inserted: true, status: 'pending' };
    const existing = await this.platform.client.stripeEvent.findUnique({ where: { id: event.id }, select: { status: true } });
    return { inserted: false, status: (existing?.status ?? 'pending') as InboxStatus };
  }

  /** Takes an event for processing (one more attempt); null when it is unknown or already done. */
  async begin(id: string): Promise<StoredEvent | null> {
    const rows = await this.platform.client.stripeEvent.updateManyAndReturn({
      where: { id, processedAt: null },
      data: { status: 'processing', attempts: { increment: 1 } },
      select: { id: true, type: true, created: true, payload: true, attempts: true },
    });
    return rows[0] ?? null;
  }

  /** Done: applied, or deliberately ignored (`note` says why). A redelivery will find it finished. */
  async finish(id: string, status: 'processed' | 'ignored', note?: string): Promise<void> {
    await this.platform.client.stripeEvent.update({
      where: { id },
      data: { status, processedAt: new Date(), lastError: note ?? null },
      select: { id: true },
    });
    metrics.stripeWebhooks.inc({ result: status === 'processed' ? 'applied' : 'ignored' });
  }

  /** This attempt failed; the job retries with backoff. The row says why, for whoever looks. */
  async fail(id: string, error: string): Promise<void> {
    await this.platform.client.stripeEvent.update({
      where: { id },
      data: { status: 'failed', lastError: error.slice(0, MAX_ERROR_LENGTH) },
      select: { id: true },
    });
    metrics.stripeWebhooks.inc({ result: 'failed' });
  }

  /** Events not applied yet (received, processing or failed but not given up), and the age of the oldest: the inbox metrics. */
  async backlog(): Promise<{ unapplied: number; oldestAgeSeconds: number }> {
    const [row] = await this.platform.client.$queryRaw<Array<{ unapplied: bigint; oldest: number | null }>>`
      select count(*) as unapplied, extract(epoch from now() - min(received_at))::float8 as oldest
        from stripe_events where processed_at is null`;
    return { unapplied: Number(row?.unapplied ?? 0), oldestAgeSeconds: row?.oldest ?? 0 };
  }

  /**
   * Events not applied yet and received before `before`, oldest first, after the keyset cursor
   * `after` (the sweep pages through them). Events already given up (at `maxAttempts`, failed) are
   * left out: nothing more happens to them until an admin acts. Served by stripe_events_open_idx.
   */
  async unfinished(before: Date, maxAttempts: number, limit: number, after?: { receivedAt: Date; id: string }): Promise<UnfinishedEvent[]> {
    const rows = await this.platform.client.stripeEvent.findMany({
      where: {
        processedAt: null,
        receivedAt: { lt: before },
        OR: [{ attempts: { lt: maxAttempts } }, { status: { not: 'failed' } }],
        ...(after && { AND: [{ OR: [{ receivedAt: { gt: after.receivedAt } }, { receivedAt: after.receivedAt, id: { gt: after.id } }] }] }),
      },
      select: { id: true, status: true, attempts: true, receivedAt: true },
      orderBy: [{ receivedAt: 'asc' }, { id: 'asc' }],
      take: limit,
    });
    return rows.map((row) => ({ ...row, status: row.status as InboxStatus }));
  }

  /**
   * Marks an unapplied event failed for good (its attempts are used up and no job is left to run
   * it). Returns false when it was applied or already failed meanwhile.
   */
  async giveUp(id: string, reason: string): Promise<boolean> {
    const { count } = await this.platform.client.stripeEvent.updateMany({
      where: { id, processedAt: null, status: { not: 'failed' } },
      data: { status: 'failed', lastError: reason.slice(0, MAX_ERROR_LENGTH) },
    });
    return count === 1;
  }

  /**
   * Deletes up to `limit` events applied or ignored before `before` (oldest first); returns how
   * many. An unapplied event is never deleted, whatever its age.
   */
  async deleteFinishedBefore(before: Date, limit: number): Promise<number> {
    const finished = { processedAt: { lt: before }, status: { in: ['processed', 'ignored'] } };
    const batch = await this.platform.client.stripeEvent.findMany({ where: finished, select: { id: true }, orderBy: { processedAt: 'asc' }, take: limit });
    if (batch.length === 0) return 0;
    const { count } = await this.platform.client.stripeEvent.deleteMany({ where: { ...finished, id: { in: batch.map((row) => row.id) } } });
    return count;
  }

  /** One event, for the console; null when unknown. */
  async find(id: string): Promise<InboxEventView | null> {
    const row = await this.platform.client.stripeEvent.findUnique({ where: { id }, select: VIEW });
    return row && { ...row, status: row.status as InboxStatus };
  }

  /**
   * Events in `status`, newest first, `limit` of them after the keyset cursor `before` (the last
   * row of the previous page). Failed ones are unapplied: stripe_events_open_idx serves them.
   */
  async list(status: InboxStatus, limit: number, before?: { receivedAt: Date; id: string }): Promise<InboxEventView[]> {
    const rows = await this.platform.client.stripeEvent.findMany({
      where: {
        status,
        ...(before && { OR: [{ receivedAt: { lt: before.receivedAt } }, { receivedAt: before.receivedAt, id: { lt: before.id } }] }),
      },
      select: VIEW,
      orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }],
      take: limit,
    });
    return rows.map((row) => ({ ...row, status: row.status as InboxStatus }));
  }

  /** The tenant whose billing account holds this Stripe customer (cross-tenant by nature). */
  async tenantOfCustomer(stripeCustomerId: string): Promise<string | null> {
    const account = await this.platform.client.billingAccount.findUnique({ where: { stripeCustomerId }, select: { tenantId: true } });
    return account?.tenantId ?? null;
  }

  /** Tenants that have a Stripe customer (a billing account always has one; cross-tenant by nature): the daily meter report's fan-out. */
  async tenantsWithCustomers(): Promise<string[]> {
    const accounts = await this.platform.client.billingAccount.findMany({ select: { tenantId: true } });
    return accounts.map((a) => a.tenantId);
  }
}
