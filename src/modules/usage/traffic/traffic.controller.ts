import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequirePermission } from '../../../platform/security/decorators.js';
import { TrafficQuery, type TrafficReport, trafficReportJsonSchema } from './dto/traffic.dto.js';
import { TrafficService } from './traffic.service.js';

@ApiTags('usage')
@ApiBearerAuth()
@Controller('usage')
export class TrafficController {
  constructor(private readonly traffic: TrafficService) {}

  @Get('traffic')
  @RequirePermission('usage:read')
  @ApiOperation({ summary: "The tenant's API traffic per day and per API key: requests, error rate and p95 latency (last `days` days, UTC)" })
  @ApiOkResponse({ description: 'Requests, error rate and p95 latency per day, and per API key', schema: trafficReportJsonSchema() })
  report(@Query() query: TrafficQuery): Promise<TrafficReport> {
    return this.traffic.report(query.days);
  }
}
