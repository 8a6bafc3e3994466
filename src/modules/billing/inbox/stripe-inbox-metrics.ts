import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { cachedFor, metrics, onScrape } from '../../../platform/observability/metrics.js';
import { StripeInbox } from './stripe-inbox.repository.js';

/** Read at most this often, however often Prometheus scrapes (one indexed query). */
const BACKLOG_TTL_MS = 10_000;

/** The Stripe inbox's backlog on every scrape: unapplied events and the age of the oldest. */
@Injectable()
export class StripeInboxMetrics implements OnModuleInit, OnModuleDestroy {
  private remove?: () => void;

  constructor(private readonly inbox: StripeInbox) {}

  onModuleInit(): void {
    const backlog = cachedFor(BACKLOG_TTL_MS, () => this.inbox.backlog());
    this.remove = onScrape(async () => {
      const { unapplied, oldestAgeSeconds } = await backlog();
      metrics.stripeInboxPending.set(unapplied);
      metrics.stripeInboxAge.set(oldestAgeSeconds);
    });
  }

  onModuleDestroy(): void {
    this.remove?.();
  }
}
