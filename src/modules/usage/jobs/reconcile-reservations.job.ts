import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { runTenantJob, tenantJobPayload } from '../../../platform/queue/tenant-job.js';
import { ExpiredReservations } from '../expired-reservations/expired-reservations.repository.js';
import type { Reconciled } from '../usage.repository.js';
import { RECONCILED_RESERVATIONS_KEPT_MS, UsageService } from '../usage.service.js';
import { RESERVATION_RECONCILIATION_QUEUE, ReservationReconciliationJobs, SWEEP_JOB } from './reservation-reconciliation.jobs.js';

/**
 * Gives back usage reservations whose process died (job id: reconcile-reservations-<tenantId>-<minute>),
 * in the tenant's context, under RLS; the sweep (every minute) enqueues one per tenant that has
 * something to reconcile, found through the platform role (ExpiredReservations, read only).
 * Both are idempotent: a reservation is released once, whoever gets there first.
 */
@Processor(RESERVATION_RECONCILIATION_QUEUE)
export class ReconcileReservationsJob extends WorkerHost {
  private readonly logger = new Logger('ReservationReconciliation');

  constructor(
    private readonly ctx: TenantContext,
    private readonly usage: UsageService,
    private readonly jobs: ReservationReconciliationJobs,
    private readonly expired: ExpiredReservations,
  ) {
    super();
  }

  async process(job: Job): Promise<Reconciled | { enqueued: number }> {
    if (job.name === SWEEP_JOB) {
      const now = new Date();
      const tenants = await this.expired.tenantsToReconcile(now, new Date(now.getTime() - RECONCILED_RESERVATIONS_KEPT_MS));
      for (const tenantId of tenants) await this.jobs.enqueue(tenantId, now);
      if (tenants.length > 0) this.logger.log({ tenants: tenants.length }, 'usage reservations to reconcile');
      return { enqueued: tenants.length };
    }
    return runTenantJob(this.ctx, tenantJobPayload, job, () => this.usage.reconcileExpired());
  }
}
