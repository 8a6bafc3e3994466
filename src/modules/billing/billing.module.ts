import { Module } from '@nestjs/common';
import { StripeEventsAdminController } from './admin/stripe-events-admin.controller.js';
import { StripeEventsAdminService } from './admin/stripe-events-admin.service.js';
import { BillingAccountsRepository } from './billing-accounts.repository.js';
import { BillingController } from './billing.controller.js';
import { BillingService } from './billing.service.js';
import { StripeInboxModule } from './inbox/stripe-inbox.module.js';
import { ApplyStripeEventJob } from './jobs/apply-stripe-event.job.js';
import { BILLING_GRACE_QUEUE, BillingJobs, STRIPE_EVENTS_QUEUE, STRIPE_INBOX_QUEUE } from './jobs/billing-jobs.js';
import { EnforceGraceJob } from './jobs/enforce-grace.job.js';
import { SweepStripeInboxJob } from './jobs/sweep-stripe-inbox.job.js';
import { MetersModule } from './meters/meters.module.js';
import { PlansController } from './plans/plans.controller.js';
import { PlansRepository } from './plans/plans.repository.js';
import { PlansService } from './plans/plans.service.js';
import { StripeClient } from './stripe/stripe-client.js';
import { StripeEventsService } from './sync/stripe-events.service.js';
import { StripeInboxSweepService } from './sync/stripe-inbox-sweep.service.js';
import { SubscriptionSyncService } from './sync/subscription-sync.service.js';
import { TenantStandingRepository } from './tenant-standing.repository.js';
import { RawBodyCapture } from './webhooks/raw-body.js';
import { StripeWebhookController } from './webhooks/stripe-webhook.controller.js';
import { StripeWebhookService } from './webhooks/stripe-webhook.service.js';
import { registerQueues } from '../../platform/queue/register-queues.js';

/**
 * Billing: plans as data (GET /billing/plans, effective limits), Stripe Checkout and the customer
 * portal, and the Stripe webhook (inbox + job) that applies subscription changes to the tenant's
 * plan and standing, with a sweep that re-queues lost events and deletes expired ones.
 * docs/adr/0008-stripe-billing.md.
 */
@Module({
  imports: [registerQueues(STRIPE_EVENTS_QUEUE, BILLING_GRACE_QUEUE, STRIPE_INBOX_QUEUE), StripeInboxModule, MetersModule],
  controllers: [PlansController, BillingController, StripeWebhookController, StripeEventsAdminController],
  providers: [
    PlansService,
    PlansRepository,
    BillingService,
    BillingAccountsRepository,
    TenantStandingRepository,
    StripeClient,
    BillingJobs,
    SubscriptionSyncService,
    StripeEventsService,
    StripeInboxSweepService,
    StripeWebhookService,
    StripeEventsAdminService,
    RawBodyCapture,
    ApplyStripeEventJob,
    EnforceGraceJob,
    SweepStripeInboxJob,
  ],
  exports: [PlansService],
})
export class BillingModule {}
