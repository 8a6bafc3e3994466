import { z } from 'zod';
import { pageQuerySchema } from '../../../../platform/http/pagination.js';
import { zodDto } from '../../../../platform/http/validation.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** An ISO 8601 date-time with its offset, or a calendar date (`type` for OpenAPI, which cannot place anyOf alone). */
const dateOrInstant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .meta({ type: 'string', description: 'ISO 8601 date-time with offset, or a date (UTC)' });

const isDate = (value: string): boolean => value.length === 10;
const startOf = (value: string): Date => new Date(isDate(value) ? `${value}T00:00:00Z` : value);

/** `from` is inclusive: the instant itself, or a date's UTC midnight. */
const from = dateOrInstant.transform(startOf);

/**
 * `to` is inclusive too, so a date means through that whole (UTC) day. It is parsed into the
 * EXCLUSIVE bound the query needs: the next midnight for a date, the next millisecond for an instant.
 */
const toExclusive = dateOrInstant.transform((value) => new Date(startOf(value).getTime() + (isDate(value) ? DAY_MS : 1)));

/**
 * `GET /audit-events` filters. Strict: an unknown parameter (a misspelt filter) is a 400, never a
 * silently unfiltered answer. `action` is exact (`member.removed`), or a prefix when it ends with a
 * dot (`member.`).
 */
export const listAuditEventsSchema = z
  .strictObject({
    ...pageQuerySchema.shape,
    action: z
      .string()
      .max(100)
      .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.?$/, 'expected an action such as member.removed, or a prefix such as member.')
      .optional(),
    actorType: z.enum(['user', 'api_key', 'platform_admin', 'system']).optional(),
    actorId: z.guid().optional(),
    targetType: z
      .string()
      .max(64)
      .regex(/^[a-z][a-z0-9_]*$/, 'expected a target type such as user or api_key')
      .optional(),
    targetId: z.string().min(1).max(200).optional(),
    from: from.optional(),
    to: toExclusive.optional(),
  })
  .refine((q) => !q.from || !q.to || q.from < q.to, { path: ['to'], message: 'to must not be before from' });

export type AuditEventFilter = Omit<z.output<typeof listAuditEventsSchema>, 'limit' | 'cursor'>;

export class ListAuditEventsQuery extends zodDto(listAuditEventsSchema) {}
