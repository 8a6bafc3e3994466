import { Module } from '@nestjs/common';
import { PlatformDbModule } from '../../../platform/db/platform-db.module.js';
import { StripeInboxMetrics } from './stripe-inbox-metrics.js';
import { StripeInbox } from './stripe-inbox.repository.js';

/**
 * The Stripe webhook inbox: platform infrastructure, on the platform role (allow-listed in
 * test/architecture.spec.ts). Events arrive before any tenant is known and name other tenants'
 * customers; nothing here is reachable by tenant-facing code but through StripeInbox's methods.
 */
@Module({
  imports: [PlatformDbModule],
  providers: [StripeInbox, StripeInboxMetrics],
  exports: [StripeInbox],
})
export class StripeInboxModule {}
