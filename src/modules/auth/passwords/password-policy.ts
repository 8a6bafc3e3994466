import { HttpError } from '../../../platform/http/app-error.js';
import { COMMON_PASSWORDS } from './common-passwords.js';

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 128;

const COMMON = new Set(COMMON_PASSWORDS);
/** Shorter local parts ("al@…") would forbid too many passwords to be worth checking. */
const MIN_LOCAL_PART = 3;

/**
 * Why a new password is refused, or undefined when it is acceptable: 10 to 128 characters (code
 * points, so emoji count once), not one of the most common passwords, and not containing the local
 * part of the account's email. Length is NIST SP 800-63B's main lever; no composition rules.
 */
export function passwordProblem(password: string, email: string): string | undefined {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    return `must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters long`;
  }
  const lower = password.toLowerCase();
  if (COMMON.has(lower)) return 'is one of the most common passwords; choose another';
  const local = email.split('@')[0]?.toLowerCase() ?? '';
  if (local.length >= MIN_LOCAL_PART && lower.includes(local)) return 'must not contain your email address';
  return undefined;
}

/** Throws 400 validation_failed naming `password` when the password breaks the policy. */
export function assertAcceptablePassword(password: string, email: string): void {
  const problem = passwordProblem(password, email);
  if (problem) throw HttpError.validation('request body', [{ field: 'password', message: problem }]);
}
