import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { SlidingWindowThrottlerStorage } from '../../platform/rate-limit/sliding-window-throttler-storage.js';
import { registerQueues } from '../../platform/queue/register-queues.js';
import { RateLimitModule } from '../../platform/rate-limit/rate-limit.module.js';
import { BillingModule } from '../billing/billing.module.js';
import { UsageBreakdownRepository } from './breakdown/usage-breakdown.repository.js';
import { UsageBreakdownService } from './breakdown/usage-breakdown.service.js';
import { ExpiredReservationsModule } from './expired-reservations/expired-reservations.module.js';
import { ReconcileReservationsJob } from './jobs/reconcile-reservations.job.js';
import { RESERVATION_RECONCILIATION_QUEUE } from './jobs/reservation-reconciliation.jobs.js';
import { PlanUsageLimits } from './plan-usage-limits.js';
import { ApiCallMeter } from './rate-limits/api-call-meter.js';
import { ApiRateLimitInterceptor } from './rate-limits/api-rate-limit.interceptor.js';
import { ApiRateLimits } from './rate-limits/api-rate-limits.js';
import { ApiRateLimitsModule } from './rate-limits/api-rate-limits.module.js';
import { ApiThrottlerGuard } from './rate-limits/api-throttler.guard.js';
import { UsageLimits } from './usage-limits.js';
import { TrafficMeter } from './traffic/traffic-meter.js';
import { TrafficController } from './traffic/traffic.controller.js';
import { TrafficRepository } from './traffic/traffic.repository.js';
import { TrafficService } from './traffic/traffic.service.js';
import { UsageController } from './usage.controller.js';
import { UsageRepository } from './usage.repository.js';
import { UsageService } from './usage.service.js';

/**
 * Metering per tenant, metric and period. Other modules use UsageService (reserve, settle,
 * release, record, admitSeats); the limits are the tenant's plan limits (PlanUsageLimits, from
 * billing). It gives back reservations whose process died (ReconcileReservationsJob, swept every
 * minute). It also rate-limits the HTTP API with @nestjs/throttler on Redis (per tenant and API
 * key from the plan, per IP and account on sign-in routes) and meters API calls
 * (docs/adr/0009-rate-limits.md).
 */
@Module({
  imports: [
    BillingModule,
    RateLimitModule,
    ExpiredReservationsModule,
    registerQueues(RESERVATION_RECONCILIATION_QUEUE),
    ThrottlerModule.forRootAsync({
      imports: [ApiRateLimitsModule, RateLimitModule],
      inject: [ApiRateLimits, SlidingWindowThrottlerStorage],
      useFactory: (limits: ApiRateLimits, storage: SlidingWindowThrottlerStorage) => limits.options(storage),
    }),
  ],
  controllers: [UsageController, TrafficController],
  providers: [
    UsageService,
    UsageRepository,
    UsageBreakdownService,
    UsageBreakdownRepository,
    ReconcileReservationsJob,
    { provide: UsageLimits, useClass: PlanUsageLimits },
    ApiThrottlerGuard,
    ApiCallMeter,
    TrafficMeter,
    TrafficRepository,
    TrafficService,
    { provide: APP_INTERCEPTOR, useClass: ApiRateLimitInterceptor },
  ],
  exports: [UsageService],
})
export class UsageModule {}
