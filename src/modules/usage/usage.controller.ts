import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiReturns } from '../../platform/http/api-contract.js';
import { RequirePermission } from '../../platform/security/decorators.js';
import { usageReportSchema } from './dto/usage.responses.js';
import { type UsageReport, UsageService } from './usage.service.js';

@ApiTags('usage')
@Controller('usage')
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  /** This period's use against each limit of the plan, and the daily history. */
  @ApiOperation({ summary: "This period's use against each limit of the plan, and the last 30 days" })
  @ApiReturns(usageReportSchema)
  @Get()
  @RequirePermission('usage:read')
  report(): Promise<UsageReport> {
    return this.usage.report();
  }
}
