import type { TenantSweepSchedule } from '../../../platform/queue/tenant-sweep.js';

export const INTERRUPTED_REPLIES_QUEUE = 'chat-interrupted-replies';

/** The sweep: finds the tenants with interrupted replies and enqueues one job each. */
export const INTERRUPTED_REPLIES_SWEEP_JOB = 'find-interrupted-replies';
export const FAIL_INTERRUPTED_REPLIES_JOB = 'fail-interrupted-replies';
/** One scheduler per deployment (every instance upserts the same id). */
export const INTERRUPTED_REPLIES_SCHEDULER_ID = 'chat-interrupted-replies-sweep';
export const INTERRUPTED_REPLIES_SWEEP_EVERY_MS = 60_000;

/**
 * Schedules the interrupted-replies sweep every minute: a reply whose process died is failed at
 * most CHAT_REPLY_DEADLINE_MS + INTERRUPTED_REPLY_MARGIN_MS + one minute after it began.
 */
export const INTERRUPTED_REPLIES_SWEEP: TenantSweepSchedule = {
  queue: INTERRUPTED_REPLIES_QUEUE,
  schedulerId: INTERRUPTED_REPLIES_SCHEDULER_ID,
  everyMs: INTERRUPTED_REPLIES_SWEEP_EVERY_MS,
  sweepJob: INTERRUPTED_REPLIES_SWEEP_JOB,
  tenantJob: FAIL_INTERRUPTED_REPLIES_JOB,
  jobIdPrefix: 'fail-interrupted-replies',
  found: 'tenants with interrupted chat replies',
};
