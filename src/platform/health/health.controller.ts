import { Controller, Get, HttpCode, HttpStatus, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiReturns } from '../http/api-contract.js';
import type { FastifyReply } from 'fastify';
import { Public } from '../security/decorators.js';
import { livenessSchema, readinessSchema } from './health.responses.js';
import { HealthService, type Readiness } from './health.service.js';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** The process is up and serving. */
  @ApiOperation({ summary: 'Liveness: the process is up and serving' })
  @ApiReturns(livenessSchema)
  @Get('live')
  @HttpCode(HttpStatus.OK)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * The process can do useful work: 200 when ok or degraded (Redis down, rate limits failing open:
   * the body says so), 503 when PostgreSQL is down or during shutdown.
   */
  @ApiOperation({ summary: 'Readiness: ok or degraded (200), unavailable (503)' })
  @ApiReturns(readinessSchema, { status: 200, description: 'ok, or degraded (Redis down, rate limits failing open)' })
  @ApiReturns(readinessSchema, { status: 503, description: 'unavailable: PostgreSQL is down, or the process is shutting down' })
  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<Readiness> {
    const readiness = await this.health.readiness();
    void reply.status(readiness.status === 'unavailable' ? 503 : 200);
    return readiness;
  }
}
