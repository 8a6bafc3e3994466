import type { Role } from '../../../platform/security/permissions.js';
import { MembersErrorCode } from './members.errors.js';

/**
 * The membership rules, as pure functions of who acts, on whom, and how many owners the tenant has
 * (counted under the tenant's membership lock, see MembersService). Undefined means allowed.
 */

/** Higher grants more: each role's permissions include those of every role below it. */
export const ROLE_RANK: Readonly<Record<Role, number>> = { member: 0, billing: 1, admin: 2, owner: 3 };

export interface MemberActor {
  /** The acting user, when a user acts (not an API key, job or platform administrator). */
  userId?: string;
  /** Owner rank: a user whose membership role is owner, or a trusted system actor. */
  isOwner: boolean;
}

export interface MemberState {
  userId: string;
  role: Role;
}

export function refuseRoleChange(actor: MemberActor, target: MemberState, to: Role, owners: number): MembersErrorCode | undefined {
  if (target.role === to) return undefined;
  if (target.role === 'owner' && !actor.isOwner) return MembersErrorCode.CannotManageOwner;
  if (to === 'owner' && !actor.isOwner) return MembersErrorCode.CannotGrantOwner;
  if (actor.userId === target.userId && ROLE_RANK[to] > ROLE_RANK[target.role]) return MembersErrorCode.CannotRaiseOwnRole;
  if (target.role === 'owner' && owners <= 1) return MembersErrorCode.LastOwner;
  return undefined;
}

/** Removal by someone else, or leaving (actor === target). */
export function refuseRemoval(actor: MemberActor, target: MemberState, owners: number): MembersErrorCode | undefined {
  if (target.role === 'owner' && !actor.isOwner && actor.userId !== target.userId) return MembersErrorCode.CannotManageOwner;
  if (target.role === 'owner' && owners <= 1) return MembersErrorCode.LastOwner;
  return undefined;
}
