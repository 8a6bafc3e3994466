import { Module } from '@nestjs/common';
import { RateLimitModule } from '../rate-limit/rate-limit.module.js';
import { HealthController } from './health.controller.js';
import { HealthService } from './health.service.js';
import { ReadinessMetrics } from './readiness-metrics.js';

@Module({ imports: [RateLimitModule], controllers: [HealthController], providers: [HealthService, ReadinessMetrics], exports: [HealthService] })
export class HealthModule {}
