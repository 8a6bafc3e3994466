import { errorClass } from '../http/app-error.js';

export enum QueueErrorCode {
  QueueNotFound = 'queue_not_found',
  JobNotFound = 'job_not_found',
  /** Only a failed job can be retried (a waiting, delayed or running one is already going to run). */
  JobNotFailed = 'job_not_failed',
}

const STATUS: Record<QueueErrorCode, number> = {
  [QueueErrorCode.QueueNotFound]: 404,
  [QueueErrorCode.JobNotFound]: 404,
  [QueueErrorCode.JobNotFailed]: 409,
};

export class QueueError extends errorClass(STATUS) {}
