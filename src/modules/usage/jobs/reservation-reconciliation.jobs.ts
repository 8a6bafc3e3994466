import type { TenantSweepSchedule } from '../../../platform/queue/tenant-sweep.js';

export const RESERVATION_RECONCILIATION_QUEUE = 'usage-reservation-reconciliation';

/** The sweep: finds the tenants with expired reservations and enqueues one reconciliation each. */
export const SWEEP_JOB = 'find-expired-reservations';
export const RECONCILE_JOB = 'reconcile-reservations';
/** One scheduler per deployment (every instance upserts the same id). */
export const SWEEP_SCHEDULER_ID = 'usage-reservation-sweep';
export const SWEEP_EVERY_MS = 60_000;

/**
 * Schedules the reservation sweep every minute: a reservation is given back at most
 * USAGE_RESERVATION_TTL_MS + one minute after it was made, when its process died.
 */
export const RESERVATION_SWEEP: TenantSweepSchedule = {
  queue: RESERVATION_RECONCILIATION_QUEUE,
  schedulerId: SWEEP_SCHEDULER_ID,
  everyMs: SWEEP_EVERY_MS,
  sweepJob: SWEEP_JOB,
  tenantJob: RECONCILE_JOB,
  jobIdPrefix: 'reconcile-reservations',
  found: 'usage reservations to reconcile',
};
