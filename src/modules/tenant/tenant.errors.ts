import { errorClass } from '../../platform/http/app-error.js';

export enum TenantErrorCode {
  NotFound = 'tenant_not_found',
  /** A lifecycle change that the tenant's status does not allow (e.g. suspending a deleted tenant). */
  InvalidTransition = 'tenant_invalid_transition',
  /** The erasure job has started: the deletion can no longer be cancelled. */
  ErasureInProgress = 'tenant_erasure_in_progress',
  SlugTaken = 'tenant_slug_taken',
  ExportNotFound = 'export_not_found',
  ExportNotReady = 'export_not_ready',
  /** The archive itself has expired (retention), whatever the link says. */
  ExportExpired = 'export_expired',
  ExportLinkInvalid = 'export_link_invalid',
  ExportLinkExpired = 'export_link_expired',
}

const STATUS: Record<TenantErrorCode, number> = {
  [TenantErrorCode.NotFound]: 404,
  [TenantErrorCode.InvalidTransition]: 409,
  [TenantErrorCode.ErasureInProgress]: 409,
  [TenantErrorCode.SlugTaken]: 409,
  [TenantErrorCode.ExportNotFound]: 404,
  [TenantErrorCode.ExportNotReady]: 409,
  [TenantErrorCode.ExportExpired]: 410,
  [TenantErrorCode.ExportLinkInvalid]: 403,
  [TenantErrorCode.ExportLinkExpired]: 403,
};

export class TenantError extends errorClass(STATUS) {
  static notFound(): TenantError {
    return new TenantError(TenantErrorCode.NotFound, 'No such tenant');
  }
}
