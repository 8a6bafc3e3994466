import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { RateLimitModule } from '../../platform/rate-limit/rate-limit.module.js';
import { BillingModule } from '../billing/billing.module.js';
import { ExpiredReservationsModule } from './expired-reservations/expired-reservations.module.js';
import { ReconcileReservationsJob } from './jobs/reconcile-reservations.job.js';
import { RESERVATION_RECONCILIATION_QUEUE, ReservationReconciliationJobs } from './jobs/reservation-reconciliation.jobs.js';
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
 * It also rate-limits the API per tenant and API key (ApiRateLimitInterceptor), and gives back
 * reservations whose process died (ReconcileReservationsJob, swept every minute).
 */
@Module({
  imports: [BillingModule, RateLimitModule, ExpiredReservationsModule, BullModule.registerQueue({ name: RESERVATION_RECONCILIATION_QUEUE })],
  controllers: [UsageController],
  providers: [
    UsageService,
    UsageRepository,
    ReservationReconciliationJobs,
    ReconcileReservationsJob,
    { provide: UsageLimits, useClass: PlanUsageLimits },
    ApiRateLimits,
    // API requests per minute from the plan, on every authenticated route (docs/adr/0009-rate-limits.md).
    { provide: APP_INTERCEPTOR, useClass: ApiRateLimitInterceptor },
  ],
  exports: [UsageService],
})
export class UsageModule {}
