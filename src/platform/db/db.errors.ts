import { errorClass } from '../http/app-error.js';
import type { DatabaseFault } from './connection-errors.js';

export enum DatabaseErrorCode {
  /** Connection refused or lost, the server starting or shutting down, or no pooled connection in time. */
  Unavailable = 'database_unavailable',
  /** The statement ran past the statement timeout, or waited too long for a lock. */
  Timeout = 'database_timeout',
}

const STATUS: Record<DatabaseErrorCode, number> = {
  [DatabaseErrorCode.Unavailable]: 503,
  [DatabaseErrorCode.Timeout]: 503,
};

/** Seconds a client should wait before retrying (the Retry-After header). */
const RETRY_AFTER: Record<DatabaseErrorCode, string> = {
  [DatabaseErrorCode.Unavailable]: '5',
  [DatabaseErrorCode.Timeout]: '2',
};

/** A transient database fault as the API reports it: 503, a stable code, Retry-After. Nothing internal. */
export class DatabaseError extends errorClass(STATUS) {
  static of(fault: DatabaseFault): DatabaseError {
    const code = fault === 'timeout' ? DatabaseErrorCode.Timeout : DatabaseErrorCode.Unavailable;
    const message = fault === 'timeout' ? 'The database did not answer in time; retry shortly' : 'The database is unavailable; retry shortly';
    return new DatabaseError(code, message, {}, { 'retry-after': RETRY_AFTER[code] });
  }
}
