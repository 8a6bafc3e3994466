import { errorClass } from '../http/app-error.js';

export enum AccessErrorCode {
  Forbidden = 'forbidden',
  Unauthenticated = 'unauthenticated',
  TenantSuspended = 'tenant_suspended',
  TenantDeleted = 'tenant_deleted',
  PlatformAdminRequired = 'platform_admin_required',
}

const STATUS: Record<AccessErrorCode, number> = {
  [AccessErrorCode.Forbidden]: 403,
  [AccessErrorCode.Unauthenticated]: 401,
  [AccessErrorCode.TenantSuspended]: 403,
  [AccessErrorCode.TenantDeleted]: 403,
  [AccessErrorCode.PlatformAdminRequired]: 403,
};

export class AccessError extends errorClass(STATUS) {
  static missingPermission(permission: string): AccessError {
    return new AccessError(AccessErrorCode.Forbidden, `This action needs the ${permission} permission`, { permission });
  }

  static unauthenticated(detail = 'Authentication is required'): AccessError {
    return new AccessError(AccessErrorCode.Unauthenticated, detail, {}, { 'www-authenticate': 'Bearer' });
  }
}
