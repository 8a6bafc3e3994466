import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { ChainCheck } from '../../../platform/audit/audit-log.js';
import type { Page } from '../../../platform/http/pagination.js';
import { RequirePermission } from '../../../platform/security/decorators.js';
import type { AuditEventView } from './audit-events.repository.js';
import { AuditEventsService } from './audit-events.service.js';
import { ListAuditEventsQuery } from './dto/list-audit-events.dto.js';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit-events')
export class AuditEventsController {
  constructor(private readonly events: AuditEventsService) {}

  @Get()
  @RequirePermission('audit:read')
  list(@Query() query: ListAuditEventsQuery): Promise<Page<AuditEventView>> {
    return this.events.list(query);
  }

  /** Recomputes the tenant's hash chain: { ok, checked, brokenAtSeq? , head? }. */
  @Get('verify')
  @RequirePermission('audit:read')
  verify(): Promise<ChainCheck> {
    return this.events.verify();
  }
}
