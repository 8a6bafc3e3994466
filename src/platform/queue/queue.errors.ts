import { errorClass } from '../http/app-error.js';

export enum QueueErrorCode {
  QueueNotFound = 'queue_not_found',
  JobNotFound = 'job_not_found',
  /** Only a failed job can be retried (a waiting, delayed or running one is already going to run). */
  JobNotFailed = 'job_not_failed',
  /** Redis, which holds the job queues, is unreachable: the work could not be scheduled (nothing was changed). */
  QueueUnavailable = 'queue_unavailable',
}

const STATUS: Record<QueueErrorCode, number> = {
  [QueueErrorCode.QueueNotFound]: 404,
  [QueueErrorCode.JobNotFound]: 404,
  [QueueErrorCode.JobNotFailed]: 409,
  [QueueErrorCode.QueueUnavailable]: 503,
};

export class QueueError extends errorClass(STATUS) {}
