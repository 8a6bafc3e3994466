import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { PlatformAdminOnly } from '../../../platform/security/decorators.js';
import { AnalyticsQuery } from './dto/tenant-admin.dto.js';
import { type PlatformAnalytics, PlatformAnalyticsService } from './platform-analytics.service.js';

@ApiTags('admin')
@ApiBearerAuth()
@PlatformAdminOnly()
@Controller('admin/analytics')
export class PlatformAnalyticsController {
  constructor(private readonly analytics: PlatformAnalyticsService) {}

  /** Tenants by status and plan, users, and signups, logins and messages per day over `days`. */
  @Get()
  get(@Query() query: AnalyticsQuery): Promise<PlatformAnalytics> {
    return this.analytics.summary(query.days);
  }
}
