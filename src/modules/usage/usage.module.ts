import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { RateLimitModule } from '../../platform/rate-limit/rate-limit.module.js';
import { BillingModule } from '../billing/billing.module.js';
import { PlanUsageLimits } from './plan-usage-limits.js';
import { ApiRateLimitInterceptor } from './rate-limits/api-rate-limit.interceptor.js';
import { ApiRateLimits } from './rate-limits/api-rate-limits.js';
import { UsageLimits } from './usage-limits.js';
import { UsageController } from './usage.controller.js';
import { UsageRepository } from './usage.repository.js';
import { UsageService } from './usage.service.js';

/**
 * Metering per tenant, metric and period. Other modules use UsageService (reserve, settle,
 * release, admitSeats); the limits are the tenant's plan limits (PlanUsageLimits, from billing).
 * It also rate-limits the API per tenant and API key (ApiRateLimitInterceptor).
 */
@Module({
  imports: [BillingModule, RateLimitModule],
  controllers: [UsageController],
  providers: [
    UsageService,
    UsageRepository,
    { provide: UsageLimits, useClass: PlanUsageLimits },
    ApiRateLimits,
    // API requests per minute from the plan, on every authenticated route (docs/adr/0009-rate-limits.md).
    { provide: APP_INTERCEPTOR, useClass: ApiRateLimitInterceptor },
  ],
  exports: [UsageService],
})
export class UsageModule {}
