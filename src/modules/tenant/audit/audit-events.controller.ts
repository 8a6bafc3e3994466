import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiReturns } from '../../../platform/http/api-contract.js';
import type { ChainCheck } from '../../../platform/audit/audit-log.js';
import type { Page } from '../../../platform/http/pagination.js';
import { RequirePermission } from '../../../platform/security/decorators.js';
import type { AuditEventView } from './audit-events.repository.js';
import { AuditEventsService } from './audit-events.service.js';
import { auditChainCheckSchema, auditEventPageSchema } from './dto/audit-events.responses.js';
import { ListAuditEventsQuery } from './dto/list-audit-events.dto.js';

@ApiTags('audit')
@Controller('audit-events')
export class AuditEventsController {
  constructor(private readonly events: AuditEventsService) {}

  @ApiOperation({ summary: "The tenant's audit log, newest first, with filters (cursor pagination)" })
  @ApiReturns(auditEventPageSchema)
  @Get()
  @RequirePermission('audit:read')
  list(@Query() query: ListAuditEventsQuery): Promise<Page<AuditEventView>> {
    return this.events.list(query);
  }

  /** Recomputes the tenant's hash chain: { ok, checked, brokenAtSeq? , head? }. */
  @ApiOperation({ summary: "Recompute the tenant's audit hash chain" })
  @ApiReturns(auditChainCheckSchema)
  @Get('verify')
  @RequirePermission('audit:read')
  verify(): Promise<ChainCheck> {
    return this.events.verify();
  }
}
