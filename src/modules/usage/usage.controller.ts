import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { RequirePermission } from '../../platform/security/decorators.js';
import { type UsageReport, UsageService } from './usage.service.js';

@ApiTags('usage')
@Controller('usage')
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  /** This period's use against each limit of the plan, and the daily history. */
  @Get()
  @RequirePermission('usage:read')
  report(): Promise<UsageReport> {
    return this.usage.report();
  }
}
