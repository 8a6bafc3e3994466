import type { TenantSweepSchedule } from '../../../platform/queue/tenant-sweep.js';

export const EXPORT_PURGE_QUEUE = 'tenant-export-purge';

/** The sweep: finds the tenants with expired exports and enqueues one purge each. */
export const EXPORT_PURGE_SWEEP_JOB = 'find-expired-exports';
export const PURGE_EXPORTS_JOB = 'purge-expired-exports';
/** One scheduler per deployment (every instance upserts the same id). */
export const EXPORT_PURGE_SCHEDULER_ID = 'tenant-export-purge-sweep';
/** Hourly: exports are kept days, and an expired one can no longer be downloaded anyway. */
export const EXPORT_PURGE_EVERY_MS = 3_600_000;

/** Schedules the export purge every hour: an archive is deleted at most an hour after it expired. */
export const EXPORT_PURGE_SWEEP: TenantSweepSchedule = {
  queue: EXPORT_PURGE_QUEUE,
  schedulerId: EXPORT_PURGE_SCHEDULER_ID,
  everyMs: EXPORT_PURGE_EVERY_MS,
  sweepJob: EXPORT_PURGE_SWEEP_JOB,
  tenantJob: PURGE_EXPORTS_JOB,
  jobIdPrefix: 'purge-exports',
  found: 'tenants with expired exports',
};
