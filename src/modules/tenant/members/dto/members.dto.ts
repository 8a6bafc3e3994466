import { z } from 'zod';
import { pageQuerySchema } from '../../../../platform/http/pagination.js';
import { zodDto } from '../../../../platform/http/validation.js';
import { ROLES } from '../../../../platform/security/permissions.js';

/** Strict: `{ role }` and nothing else; a body naming tenantId, userId or anything more is refused. */
export const changeRoleSchema = z.strictObject({ role: z.enum(ROLES) });

export class ChangeRoleBody extends zodDto(changeRoleSchema) {}

export class ListMembersQuery extends zodDto(
  pageQuerySchema.extend({
    q: z.string().trim().min(1).max(100).optional().meta({ description: 'Case-insensitive substring of the name or the email, taken literally' }),
  }),
) {}

export class MemberParams extends zodDto(z.object({ userId: z.guid() })) {}
