import { errorClass } from '../../../platform/http/app-error.js';

export enum MembersErrorCode {
  NotFound = 'member_not_found',
  LastOwner = 'last_owner',
  CannotGrantOwner = 'cannot_grant_owner',
  CannotManageOwner = 'cannot_manage_owner',
  CannotRaiseOwnRole = 'cannot_raise_own_role',
  AlreadyMember = 'already_member',
  NotAUser = 'not_a_user',
}

const STATUS: Record<MembersErrorCode, number> = {
  [MembersErrorCode.NotFound]: 404,
  [MembersErrorCode.LastOwner]: 409,
  [MembersErrorCode.CannotGrantOwner]: 403,
  [MembersErrorCode.CannotManageOwner]: 403,
  [MembersErrorCode.CannotRaiseOwnRole]: 403,
  [MembersErrorCode.AlreadyMember]: 409,
  [MembersErrorCode.NotAUser]: 403,
};

const MESSAGES: Record<MembersErrorCode, string> = {
  [MembersErrorCode.NotFound]: 'No such member in this tenant',
  [MembersErrorCode.LastOwner]: 'A tenant keeps at least one owner: promote another member to owner first',
  [MembersErrorCode.CannotGrantOwner]: 'Only an owner can grant the owner role',
  [MembersErrorCode.CannotManageOwner]: "Only an owner can change or remove an owner",
  [MembersErrorCode.CannotRaiseOwnRole]: 'Nobody can raise their own role',
  [MembersErrorCode.AlreadyMember]: 'This person is already a member of the tenant',
  [MembersErrorCode.NotAUser]: 'Only a signed-in user can leave a tenant',
};

export class MembersError extends errorClass(STATUS) {
  static of(code: MembersErrorCode): MembersError {
    return new MembersError(code, MESSAGES[code]);
  }
}
