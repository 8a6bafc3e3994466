import { z } from 'zod';
import { type Jsonified, named } from '../../../../platform/http/api-schemas.js';
import { zodDto } from '../../../../platform/http/validation.js';
import type { UserView } from '../../users.repository.js';
import type { SessionView } from '../account.service.js';
import { PASSWORD_MAX_LENGTH } from '../../passwords/password-policy.js';

export class SessionParams extends zodDto(z.object({ id: z.guid() })) {}

export class UpdateMeBody extends zodDto(z.strictObject({ name: z.string().trim().min(1).max(100) })) {}

/** The new password's strength is the policy's (checked by the service: it needs the email). */
export class ChangePasswordBody extends zodDto(
  z.strictObject({ currentPassword: z.string().min(1).max(PASSWORD_MAX_LENGTH * 4), newPassword: z.string().min(1).max(PASSWORD_MAX_LENGTH * 4) }),
) {}

/** GET /me/sessions: one item. */
export const sessionSchema = named(
  'AccountSession',
  z.object({
    id: z.guid(),
    /** The tenant the session is signed in to; null for a platform session. */
    activeTenantId: z.guid().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
    current: z.boolean(),
  }),
) satisfies z.ZodType<Jsonified<SessionView>>;

export const sessionListSchema = named('AccountSessionList', z.array(sessionSchema));

export const accountUserSchema = named(
  'AccountUser',
  z.object({ id: z.guid(), email: z.string(), name: z.string(), isPlatformAdmin: z.boolean() }),
) satisfies z.ZodType<Jsonified<UserView>>;
