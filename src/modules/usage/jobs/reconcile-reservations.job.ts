import { InjectQueue, Processor } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { QueueProducer } from '../../../platform/queue/queue-producer.js';
import { TenantSweepProcessor } from '../../../platform/queue/tenant-sweep.js';
import { ExpiredReservations } from '../expired-reservations/expired-reservations.repository.js';
import type { Reconciled } from '../usage.repository.js';
import { RECONCILED_RESERVATIONS_KEPT_MS, UsageService } from '../usage.service.js';
import { RESERVATION_RECONCILIATION_QUEUE, RESERVATION_SWEEP } from './reservation-reconciliation.jobs.js';

/**
 * Gives back usage reservations whose process died (job id: reconcile-reservations-<tenantId>-<minute>),
 * in the tenant's context, under RLS; the sweep (every minute) enqueues one per tenant that has
 * something to reconcile, found through the platform role (ExpiredReservations, read only).
 * Both are idempotent: a reservation is released once, whoever gets there first.
 */
@Processor(RESERVATION_RECONCILIATION_QUEUE)
export class ReconcileReservationsJob extends TenantSweepProcessor<Reconciled> {
  protected readonly schedule = RESERVATION_SWEEP;

  constructor(
    @InjectQueue(RESERVATION_RECONCILIATION_QUEUE) queue: Queue,
    producer: QueueProducer,
    ctx: TenantContext,
    private readonly usage: UsageService,
    private readonly expired: ExpiredReservations,
  ) {
    super(queue, producer, ctx);
  }

  protected tenantsWithWork(now: Date): Promise<string[]> {
    return this.expired.tenantsToReconcile(now, new Date(now.getTime() - RECONCILED_RESERVATIONS_KEPT_MS));
  }

  protected work(): Promise<Reconciled> {
    return this.usage.reconcileExpired();
  }
}
