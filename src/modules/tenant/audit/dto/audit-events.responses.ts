import { z } from 'zod';
import type { ChainCheck } from '../../../../platform/audit/audit-log.js';
import { count, type Jsonified, named, pageOf, timestamp } from '../../../../platform/http/api-schemas.js';
import type { AuditEventView } from '../audit-events.repository.js';

/** Response bodies of the audit routes (query: list-audit-events.dto.ts). */
export const auditEventSchema = named(
  'AuditEvent',
  z.object({
    seq: z.string().meta({ description: 'Position in the tenant chain (a bigint, as a string)' }),
    id: z.string(),
    actorType: z.string(),
    actorId: z.string().nullable(),
    action: z.string(),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    data: z.unknown(),
    createdAt: timestamp,
    hash: z.string().meta({ description: 'Hex SHA-256 over the event and the previous hash' }),
  }),
) satisfies z.ZodType<Jsonified<AuditEventView>>;

export const auditEventPageSchema = pageOf('AuditEventPage', auditEventSchema);

export const auditChainCheckSchema = named(
  'AuditChainCheck',
  z.object({
    ok: z.boolean(),
    checked: count.meta({ description: 'Events found intact, from the first one on' }),
    brokenAtSeq: z.string().optional(),
    head: z.object({ seq: z.string(), hash: z.string() }).optional().meta({ description: 'The head of an intact chain: keep it elsewhere to detect a cut tail' }),
  }),
) satisfies z.ZodType<Jsonified<ChainCheck>>;
