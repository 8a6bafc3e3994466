import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiReturns } from '../../../platform/http/api-contract.js';
import { RequirePermission } from '../../../platform/security/decorators.js';
import { TrafficQuery, type TrafficReport, trafficReportSchema } from './dto/traffic.dto.js';
import { TrafficService } from './traffic.service.js';

@ApiTags('usage')
@Controller('usage')
export class TrafficController {
  constructor(private readonly traffic: TrafficService) {}

  @ApiOperation({ summary: "The tenant's API traffic per day and per API key: requests, error rate and p95 latency (last `days` days, UTC)" })
  @ApiReturns(trafficReportSchema)
  @Get('traffic')
  @RequirePermission('usage:read')
  report(@Query() query: TrafficQuery): Promise<TrafficReport> {
    return this.traffic.report(query.days);
  }
}
