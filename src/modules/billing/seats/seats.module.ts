import { Module } from '@nestjs/common';
import { BillingAccountsRepository } from '../billing-accounts.repository.js';
import { StripeClient } from '../stripe/stripe-client.js';
import { SEAT_QUANTITY_QUEUE, SeatQuantityJobs } from './seat-quantity.jobs.js';
import { SeatQuantityService } from './seat-quantity.service.js';
import { SyncSeatQuantityJob } from './sync-seat-quantity.job.js';
import { registerQueues } from '../../../platform/queue/register-queues.js';

/**
 * Seat quantity follows the member count: MembersService calls SeatQuantityJobs.membersChanged()
 * and a debounced job per tenant updates the Stripe subscription. Its own StripeClient and
 * account repository (both stateless) keep it free of the billing module's webhook machinery.
 */
@Module({
  imports: [registerQueues(SEAT_QUANTITY_QUEUE)],
  providers: [SeatQuantityJobs, SeatQuantityService, SyncSeatQuantityJob, StripeClient, BillingAccountsRepository],
  exports: [SeatQuantityJobs],
})
export class SeatsModule {}
