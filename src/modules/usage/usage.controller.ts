import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiReturns } from '../../platform/http/api-contract.js';
import { RequirePermission } from '../../platform/security/decorators.js';
import { type UsageBreakdown, UsageBreakdownService } from './breakdown/usage-breakdown.service.js';
import { UsageBreakdownQuery, usageBreakdownSchema } from './dto/usage-breakdown.dto.js';
import { usageReportSchema } from './dto/usage.responses.js';
import { type UsageReport, UsageService } from './usage.service.js';

@ApiTags('usage')
@Controller('usage')
export class UsageController {
  constructor(
    private readonly usage: UsageService,
    private readonly breakdown: UsageBreakdownService,
  ) {}

  /** This period's use against each limit of the plan, and the daily history. */
  @ApiOperation({ summary: "This period's use against each limit of the plan, and the last 30 days" })
  @ApiReturns(usageReportSchema)
  @Get()
  @RequirePermission('usage:read')
  report(): Promise<UsageReport> {
    return this.usage.report();
  }

  /** Every member's use: for those who manage members (admins, owners). */
  @ApiOperation({ summary: 'Messages and tokens per member, per API key and per model over whole UTC days (default: this period so far)' })
  @ApiReturns(usageBreakdownSchema)
  @Get('breakdown')
  @RequirePermission('members:manage')
  breakdownOf(@Query() query: UsageBreakdownQuery): Promise<UsageBreakdown> {
    return this.breakdown.breakdownOf(query);
  }
}
