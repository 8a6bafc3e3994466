import { AppError } from '../http/app-error.js';

export enum AccessErrorCode {
  Forbidden = 'forbidden',
  Unauthenticated = 'unauthenticated',
}

const STATUS: Record<AccessErrorCode, number> = {
  [AccessErrorCode.Forbidden]: 403,
  [AccessErrorCode.Unauthenticated]: 401,
};

export class AccessError extends AppError<AccessErrorCode> {
  get status(): number {
    return STATUS[this.code];
  }

  static missingPermission(permission: string): AccessError {
    return new AccessError(AccessErrorCode.Forbidden, `This action needs the ${permission} permission`, { permission });
  }
}
