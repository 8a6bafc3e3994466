import { Injectable } from '@nestjs/common';
import type { Prisma } from '../../../generated/prisma/client.js';
import type { ChainedFields } from '../../../platform/audit/audit-log.js';
import { TenantDb } from '../../../platform/db/tenant-db.js';
import type { AuditEventFilter } from './dto/list-audit-events.dto.js';

/** An audit event as the API shows it: seq as a string (bigint), the hash as hex, no prev_hash. */
export type AuditEventView = Omit<ChainedFields, 'tenantId' | 'seq'> & { seq: string; hash: string };

/** Reads the audit log (writing it is AuditLog's job, in src/platform/audit). */
@Injectable()
export class AuditEventsRepository {
  constructor(private readonly db: TenantDb) {}

  /** Newest first; `beforeSeq` is the seq of the last event of the previous page. */
  async list(tenantId: string, filter: AuditEventFilter, take: number, beforeSeq?: bigint): Promise<AuditEventView[]> {
    const rows = await this.db.client.auditEvent.findMany({
      where: { tenantId, ...whereOf(filter), ...(beforeSeq !== undefined && { seq: { lt: beforeSeq } }) },
      orderBy: { seq: 'desc' },
      take,
      select: {
        id: true,
        seq: true,
        actorType: true,
        actorId: true,
        action: true,
        targetType: true,
        targetId: true,
        ip: true,
        userAgent: true,
        data: true,
        createdAt: true,
        hash: true,
      },
    });
    return rows.map((row) => ({ ...row, seq: row.seq.toString(), hash: Buffer.from(row.hash).toString('hex') }));
  }
}

function whereOf(filter: AuditEventFilter): Prisma.AuditEventWhereInput {
  const { action } = filter;
  return {
    ...(action !== undefined && { action: action.endsWith('.') ? { startsWith: action } : action }),
    ...(filter.actorType !== undefined && { actorType: filter.actorType }),
    ...(filter.actorId !== undefined && { actorId: filter.actorId }),
    ...(filter.targetType !== undefined && { targetType: filter.targetType }),
    ...(filter.targetId !== undefined && { targetId: filter.targetId }),
    ...((filter.from !== undefined || filter.to !== undefined) && {
      createdAt: { ...(filter.from && { gte: filter.from }), ...(filter.to && { lt: filter.to }) },
    }),
  };
}
