import { errorClass } from '../../../platform/http/app-error.js';

export enum InvitationsErrorCode {
  NotFound = 'invitation_not_found',
  /** Unknown, expired, revoked or used: one answer for all, so a token reveals nothing. */
  Invalid = 'invitation_invalid',
  AlreadyMember = 'already_member',
  /** The invited email has an account: its owner must sign in or give its password. */
  ProofRequired = 'proof_required',
  InvalidCredentials = 'invalid_credentials',
}

const STATUS: Record<InvitationsErrorCode, number> = {
  [InvitationsErrorCode.NotFound]: 404,
  [InvitationsErrorCode.Invalid]: 400,
  [InvitationsErrorCode.AlreadyMember]: 409,
  [InvitationsErrorCode.ProofRequired]: 401,
  [InvitationsErrorCode.InvalidCredentials]: 401,
};

const MESSAGES: Record<InvitationsErrorCode, string> = {
  [InvitationsErrorCode.NotFound]: 'No such open invitation in this tenant',
  [InvitationsErrorCode.Invalid]: 'This invitation link is invalid, expired or already used',
  [InvitationsErrorCode.AlreadyMember]: 'This person is already a member of the tenant',
  [InvitationsErrorCode.ProofRequired]:
    'An account with this email exists: sign in as that account (Authorization: Bearer) or give its password',
  [InvitationsErrorCode.InvalidCredentials]: 'These credentials do not prove the invited account',
};

/** 401s carry WWW-Authenticate, as every 401 of the API does. */
const HEADERS: Partial<Record<InvitationsErrorCode, Record<string, string>>> = {
  [InvitationsErrorCode.ProofRequired]: { 'www-authenticate': 'Bearer' },
  [InvitationsErrorCode.InvalidCredentials]: { 'www-authenticate': 'Bearer' },
};

export class InvitationsError extends errorClass(STATUS) {
  static of(code: InvitationsErrorCode): InvitationsError {
    return new InvitationsError(code, MESSAGES[code], {}, HEADERS[code] ?? {});
  }
}
