import { AppError } from '../../platform/http/app-error.js';

export enum TenantErrorCode {
  NotFound = 'tenant_not_found',
}

const STATUS: Record<TenantErrorCode, number> = {
  [TenantErrorCode.NotFound]: 404,
};

export class TenantError extends AppError<TenantErrorCode> {
  get status(): number {
    return STATUS[this.code];
  }
}
