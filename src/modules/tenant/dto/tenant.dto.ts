import { z } from 'zod';
import { zodDto } from '../../../platform/http/validation.js';

/** A BCP 47 language tag ('en', 'fr-FR', 'zh-Hant-TW'), stored in canonical case. */
export const localeSchema = z
  .string()
  .trim()
  .max(35)
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, 'must be a BCP 47 language tag such as en or fr-FR')
  .transform((tag, issue) => {
    try {
      return Intl.getCanonicalLocales(tag)[0]!;
    } catch {
      issue.addIssue({ code: 'custom', message: 'must be a BCP 47 language tag such as en or fr-FR' });
      return z.NEVER;
    }
  });

/** An IANA time zone known to the runtime ('UTC', 'Europe/Paris'), stored as Intl names it. */
export const timezoneSchema = z
  .string()
  .trim()
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/, 'must be an IANA time zone such as UTC or Europe/Paris')
  .transform((zone, issue) => {
    try {
      return new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
    } catch {
      issue.addIssue({ code: 'custom', message: 'must be an IANA time zone such as UTC or Europe/Paris' });
      return z.NEVER;
    }
  });

export const updateTenantSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    displayName: z.string().trim().min(1).max(200).optional(),
    locale: localeSchema.optional(),
    timezone: timezoneSchema.optional(),
    /** null clears it. (`type` for OpenAPI, which cannot place a property given only as anyOf.) */
    supportEmail: z.email().max(254).nullable().optional().meta({ type: 'string' }),
  })
  .refine((body) => Object.values(body as Record<string, unknown>).some((v) => v !== undefined), { message: 'give at least one field to change' });

export class UpdateTenantBody extends zodDto(updateTenantSchema) {}
export type UpdateTenantInput = z.output<typeof updateTenantSchema>;
