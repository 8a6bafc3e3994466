import { Module } from '@nestjs/common';
import { BillingModule } from '../../billing/billing.module.js';
import { ApiRateLimits } from './api-rate-limits.js';

/** The throttlers' definitions, in a module of their own so that ThrottlerModule.forRootAsync can import them. */
@Module({ imports: [BillingModule], providers: [ApiRateLimits], exports: [ApiRateLimits] })
export class ApiRateLimitsModule {}
