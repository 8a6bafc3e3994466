import type { AppConfig } from '../../../platform/config/config.js';

const DAY_MS = 86_400_000;

/** When a deletion requested at `now` becomes an erasure: after TENANT_DELETION_GRACE_DAYS. */
export function erasureDueAt(config: AppConfig, now = new Date()): Date {
  return new Date(now.getTime() + Math.round(config.env.TENANT_DELETION_GRACE_DAYS * DAY_MS));
}

export interface DeletionView {
  id: string;
  status: 'deleted';
  /** When the erasure job deletes every row of the tenant, unless a platform admin resumes it first. */
  deletionScheduledAt: Date;
}

export type ErasureOutcome =
  | { outcome: 'erased'; rows: Record<string, number> }
  /** Resumed (or never deleted): nothing to do. */
  | { outcome: 'cancelled' }
  /** Not yet: the job runs again at `dueAt`. */
  | { outcome: 'not_due'; dueAt: Date }
  /** The tenant row is gone already: an earlier run finished. */
  | { outcome: 'gone' };
