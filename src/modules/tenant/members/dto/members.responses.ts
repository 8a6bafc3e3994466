import { z } from 'zod';
import { type Jsonified, named, pageOf, timestamp } from '../../../../platform/http/api-schemas.js';
import { ROLES } from '../../../../platform/security/permissions.js';
import type { MemberView } from '../members.repository.js';

/** Response bodies of the member routes (request bodies: members.dto.ts). */
export const memberSchema = named(
  'Member',
  z.object({ userId: z.string(), email: z.string(), name: z.string(), role: z.enum(ROLES), joinedAt: timestamp }),
) satisfies z.ZodType<Jsonified<MemberView>>;

export const memberPageSchema = pageOf('MemberPage', memberSchema);
