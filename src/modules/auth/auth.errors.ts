import { errorClass } from '../../platform/http/app-error.js';

export enum AuthErrorCode {
  /** Unknown email, wrong password, or an account without a password: one answer for all. */
  InvalidCredentials = 'invalid_credentials',
  EmailTaken = 'email_taken',
  TooManyAttempts = 'too_many_attempts',
  /** Malformed, unknown, expired or revoked: one answer, so a token reveals nothing. */
  InvalidRefreshToken = 'invalid_refresh_token',
  /** A rotated refresh token came back: its whole family is revoked. */
  RefreshTokenReused = 'refresh_token_reused',
  /** The tenant asked for is not one the user belongs to (or it is deleted). */
  NotAMember = 'not_a_member',
  /** The user belongs to no tenant (any more): nothing to sign in to. */
  NoTenant = 'no_tenant',
  /** The route needs a user's session (an access token from login), not an API key. */
  SessionRequired = 'session_required',
  /** Unknown, expired or already used: one answer for all. */
  ResetTokenInvalid = 'reset_token_invalid',
  /** A cookie-borne refresh or sign-out without the X-Requested-With: tenantry header (docs/adr/0016). */
  CsrfHeaderRequired = 'csrf_header_required',
  /** The current password given to change it is wrong. */
  WrongPassword = 'wrong_password',
  /** No such session of the user (or it has ended already). */
  SessionNotFound = 'session_not_found',
}

const STATUS: Record<AuthErrorCode, number> = {
  [AuthErrorCode.InvalidCredentials]: 401,
  [AuthErrorCode.EmailTaken]: 409,
  [AuthErrorCode.TooManyAttempts]: 429,
  [AuthErrorCode.InvalidRefreshToken]: 401,
  [AuthErrorCode.RefreshTokenReused]: 401,
  [AuthErrorCode.NotAMember]: 403,
  [AuthErrorCode.NoTenant]: 403,
  [AuthErrorCode.SessionRequired]: 403,
  [AuthErrorCode.ResetTokenInvalid]: 400,
  [AuthErrorCode.CsrfHeaderRequired]: 403,
  [AuthErrorCode.WrongPassword]: 400,
  [AuthErrorCode.SessionNotFound]: 404,
};

const MESSAGES: Record<AuthErrorCode, string> = {
  [AuthErrorCode.InvalidCredentials]: 'The email or the password is wrong',
  [AuthErrorCode.EmailTaken]: 'An account with this email exists already: sign in, or reset its password',
  [AuthErrorCode.TooManyAttempts]: 'Too many failed sign-in attempts; try again later',
  [AuthErrorCode.InvalidRefreshToken]: 'This refresh token is invalid, expired or revoked: sign in again',
  [AuthErrorCode.RefreshTokenReused]: 'This refresh token was already used; the session has been revoked: sign in again',
  [AuthErrorCode.NotAMember]: 'You are not a member of this tenant',
  [AuthErrorCode.NoTenant]: 'Your account belongs to no tenant',
  [AuthErrorCode.SessionRequired]: 'This action needs a signed-in user, not an API key',
  [AuthErrorCode.ResetTokenInvalid]: 'This password reset link is invalid, expired or already used',
  [AuthErrorCode.CsrfHeaderRequired]: 'A refresh or sign-out by cookie needs the header X-Requested-With: tenantry',
  [AuthErrorCode.WrongPassword]: 'The current password is wrong',
  [AuthErrorCode.SessionNotFound]: 'No such session',
};

const UNAUTHENTICATED = { 'www-authenticate': 'Bearer' };

/** The auth module's errors; the ProblemFilter maps them to problem+json with these codes. */
export class AuthError extends errorClass(STATUS) {
  static of(code: AuthErrorCode): AuthError {
    return new AuthError(code, MESSAGES[code], {}, STATUS[code] === 401 ? UNAUTHENTICATED : {});
  }

  static tooManyAttempts(retryAfterSeconds: number): AuthError {
    return new AuthError(
      AuthErrorCode.TooManyAttempts,
      MESSAGES[AuthErrorCode.TooManyAttempts],
      { retryAfter: retryAfterSeconds },
      { 'retry-after': String(retryAfterSeconds) },
    );
  }
}
