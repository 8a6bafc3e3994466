import { z } from 'zod';
import { type Jsonified, named, pageOf, timestamp } from '../../../../platform/http/api-schemas.js';
import type { AcceptedInvitation } from '../invitation-acceptance.service.js';
import type { InvitationView } from '../invitations.repository.js';
import { INVITABLE_ROLES } from './invitations.dto.js';

/** Response bodies of the invitation routes (request bodies: invitations.dto.ts). */
export const invitationSchema = named(
  'Invitation',
  z.object({
    id: z.string(),
    email: z.string(),
    role: z.enum(INVITABLE_ROLES),
    invitedBy: z.string().nullable(),
    createdAt: timestamp,
    expiresAt: timestamp,
  }),
) satisfies z.ZodType<Jsonified<InvitationView>>;

export const invitationPageSchema = pageOf('InvitationPage', invitationSchema);

export const acceptedInvitationSchema = named(
  'AcceptedInvitation',
  z.object({ tenantId: z.string(), userId: z.string(), role: z.enum(INVITABLE_ROLES) }),
) satisfies z.ZodType<Jsonified<AcceptedInvitation>>;
