import { errorClass } from '../http/app-error.js';

export enum AccessErrorCode {
  Forbidden = 'forbidden',
  Unauthenticated = 'unauthenticated',
  TenantSuspended = 'tenant_suspended',
  TenantDeleted = 'tenant_deleted',
  PlatformAdminRequired = 'platform_admin_required',
  /** A platform session (no tenant) on a route that acts inside a tenant. */
  TenantRequired = 'tenant_required',
  /** An API key on a route for a signed-in user's session only (@RequireUserSession). */
  SessionRequired = 'session_required',
}

const STATUS: Record<AccessErrorCode, number> = {
  [AccessErrorCode.Forbidden]: 403,
  [AccessErrorCode.Unauthenticated]: 401,
  [AccessErrorCode.TenantSuspended]: 403,
  [AccessErrorCode.TenantDeleted]: 403,
  [AccessErrorCode.PlatformAdminRequired]: 403,
  [AccessErrorCode.TenantRequired]: 403,
  [AccessErrorCode.SessionRequired]: 403,
};

export class AccessError extends errorClass(STATUS) {
  static missingPermission(permission: string): AccessError {
    return new AccessError(AccessErrorCode.Forbidden, `This action needs the ${permission} permission`, { permission });
  }

  static platformAdminRequired(): AccessError {
    return new AccessError(AccessErrorCode.PlatformAdminRequired, 'Platform administrators only');
  }

  static tenantRequired(): AccessError {
    return new AccessError(
      AccessErrorCode.TenantRequired,
      'This route acts inside a tenant and this platform session has none: sign in to a tenant you are a member of',
    );
  }

  static sessionRequired(): AccessError {
    return new AccessError(AccessErrorCode.SessionRequired, 'This action needs a signed-in user, not an API key');
  }

  static unauthenticated(detail = 'Authentication is required'): AccessError {
    return new AccessError(AccessErrorCode.Unauthenticated, detail, {}, { 'www-authenticate': 'Bearer' });
  }
}
