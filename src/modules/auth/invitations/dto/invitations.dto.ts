import { z } from 'zod';
import { pageQuerySchema } from '../../../../platform/http/pagination.js';
import { zodDto } from '../../../../platform/http/validation.js';

/** Roles an invitation may carry: never owner (owners are made by owners, see MembersService). */
export const INVITABLE_ROLES = ['admin', 'billing', 'member'] as const;

const email = z.string().trim().toLowerCase().pipe(z.email().max(254));

/** Strict: a body naming tenantId, invitedBy, expiresAt or anything more is refused. */
export const createInvitationSchema = z.strictObject({ email, role: z.enum(INVITABLE_ROLES) });

export class CreateInvitationBody extends zodDto(createInvitationSchema) {}

/**
 * `name` and `password` create the account when the invited email has none; for an existing
 * account, `password` (or an access token of that account) proves it is theirs.
 */
export const acceptInvitationSchema = z.strictObject({
  token: z.string().min(1).max(200),
  name: z.string().trim().min(1).max(100).optional(),
  password: z.string().min(1).max(1024).optional(), // the policy (passwords/password-policy.ts) decides
});

export class AcceptInvitationBody extends zodDto(acceptInvitationSchema) {}

export class ListInvitationsQuery extends zodDto(pageQuerySchema) {}

export class InvitationParams extends zodDto(z.object({ id: z.guid() })) {}
