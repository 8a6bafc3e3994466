import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { AuditLog, type ChainCheck } from '../../../platform/audit/audit-log.js';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { decodeCursor, type Page, toPage } from '../../../platform/http/pagination.js';
import { AuditEventsRepository, type AuditEventView } from './audit-events.repository.js';
import type { AuditEventFilter } from './dto/list-audit-events.dto.js';

const cursorSchema = z.object({ seq: z.string().regex(/^[1-9][0-9]{0,18}$/) });

/** The tenant's own audit log, for readers holding audit:read: listing and chain verification. */
@Injectable()
export class AuditEventsService {
  constructor(
    private readonly ctx: TenantContext,
    private readonly events: AuditEventsRepository,
    private readonly audit: AuditLog,
  ) {}

  /** Newest first (by seq), filtered; the `to` of the filter is an exclusive bound. */
  async list(query: AuditEventFilter & { limit: number; cursor?: string }): Promise<Page<AuditEventView>> {
    this.ctx.requirePermission('audit:read');
    const tenantId = this.ctx.requireTenantId('reading the audit log');
    const { limit, cursor, ...filter } = query;
    const after = decodeCursor(cursor, cursorSchema);
    const rows = await this.events.list(tenantId, filter, limit + 1, after && BigInt(after.seq));
    return toPage(rows, limit, (event) => ({ seq: event.seq }));
  }

  /** Recomputes the whole chain: reads every event of the tenant, so it costs what the log weighs. */
  async verify(): Promise<ChainCheck> {
    this.ctx.requirePermission('audit:read');
    return this.audit.verify();
  }
}
