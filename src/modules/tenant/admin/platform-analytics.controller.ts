import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiReturns } from '../../../platform/http/api-contract.js';
import { PlatformAdminOnly } from '../../../platform/security/decorators.js';
import { AnalyticsQuery } from './dto/tenant-admin.dto.js';
import { platformAnalyticsSchema } from './dto/tenant-admin.responses.js';
import { type PlatformAnalytics, PlatformAnalyticsService } from './platform-analytics.service.js';

@ApiTags('admin')
@PlatformAdminOnly()
@Controller('admin/analytics')
export class PlatformAnalyticsController {
  constructor(private readonly analytics: PlatformAnalyticsService) {}

  /** Tenants by status and plan, users, and signups, logins and messages per day over `days`. */
  @ApiOperation({ summary: 'Tenants by status and plan, users, and signups, logins and messages per day' })
  @ApiReturns(platformAnalyticsSchema)
  @Get()
  get(@Query() query: AnalyticsQuery): Promise<PlatformAnalytics> {
    return this.analytics.summary(query.days);
  }
}
