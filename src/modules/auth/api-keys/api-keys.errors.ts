import { errorClass } from '../../../platform/http/app-error.js';

export enum ApiKeyErrorCode {
  NotFound = 'api_key_not_found',
  /** A key may only carry permissions its creator holds (a key cannot escalate). */
  ScopeNotAllowed = 'scope_not_allowed',
  InvalidScopes = 'invalid_scopes',
  InvalidExpiry = 'invalid_expiry',
}

const STATUS: Record<ApiKeyErrorCode, number> = {
  [ApiKeyErrorCode.NotFound]: 404,
  [ApiKeyErrorCode.ScopeNotAllowed]: 403,
  [ApiKeyErrorCode.InvalidScopes]: 400,
  [ApiKeyErrorCode.InvalidExpiry]: 400,
};

export class ApiKeyError extends errorClass(STATUS) {
  static notFound(): ApiKeyError {
    return new ApiKeyError(ApiKeyErrorCode.NotFound, 'No such API key in this tenant');
  }
}
