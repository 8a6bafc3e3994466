import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { AuditLog } from '../../../platform/audit/audit-log.js';
import { AppConfig } from '../../../platform/config/config.js';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { TenantDb } from '../../../platform/db/tenant-db.js';
import { BillingAccountsRepository, type BillingAccountChange } from '../billing-accounts.repository.js';
import { BillingError, BillingErrorCode } from '../billing.errors.js';
import { BillingJobs } from '../jobs/billing-jobs.js';
import { PlansService } from '../plans/plans.service.js';
import { StripeClient } from '../stripe/stripe-client.js';
import { TenantStandingRepository } from '../tenant-standing.repository.js';
import { decide, isEnded } from './subscription-state.js';

/** What the job knows of a subscription: Stripe's current state, re-fetched (never a webhook payload's). */
export interface SubscriptionSnapshot {
  id: string;
  status: string;
  /** Every price on the subscription, plan prices and metered ones alike. */
  priceIds: string[];
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
}

/** The Stripe event being applied: its `created` orders it against the last one applied. */
export interface AppliedEvent {
  id: string;
  type: string;
  created: Date;
  invoiceId?: string;
}

export type SyncOutcome =
  | { outcome: 'applied'; plan: string; status: string }
  /** Older than the last event applied for this tenant: Stripe's later state is already in. */
  | { outcome: 'stale' }
  /** About an ended subscription that is not the tenant's current one. */
  | { outcome: 'other_subscription' }
  | { outcome: 'no_account' };

export type GraceOutcome = { outcome: 'no_grace' } | { outcome: 'not_due'; dueAt: Date } | SyncOutcome;

export function snapshotOf(subscription: Stripe.Subscription): SubscriptionSnapshot {
  // A Stripe payload: trusted for its shape only as far as it is checked (test fixtures and older API versions omit items).
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
  const items = subscription.items?.data ?? [];
  const periodEnds = items.map((item) => item.current_period_end).filter((end): end is number => typeof end === 'number');
  return {
    id: subscription.id,
    status: subscription.status,
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the same: a price may be missing from a payload
    priceIds: items.map((item) => item.price?.id).filter((id): id is string => typeof id === 'string'),
    currentPeriodEnd: periodEnds.length > 0 ? new Date(Math.min(...periodEnds) * 1000) : null,
    cancelAtPeriodEnd: subscription.cancel_at_period_end === true,
  };
}

/**
 * Applies Stripe's subscription state to the tenant in context: its plan, its grace period and
 * its suspension, in one unit of work with the audit events; see subscription-state.ts for the
 * mapping. Runs in the tenant's context (the webhook job, the grace job), never from a request.
 */
@Injectable()
export class SubscriptionSyncService {
  private readonly logger = new Logger('BillingSync');

  constructor(
    private readonly ctx: TenantContext,
    private readonly db: TenantDb,
    private readonly config: AppConfig,
    private readonly accounts: BillingAccountsRepository,
    private readonly standing: TenantStandingRepository,
    private readonly plans: PlansService,
    private readonly stripe: StripeClient,
    private readonly jobs: BillingJobs,
    private readonly audit: AuditLog,
  ) {}

  async apply(subscription: SubscriptionSnapshot, event?: AppliedEvent): Promise<SyncOutcome> {
    this.ctx.requirePermission('billing:manage');
    const tenantId = this.ctx.requireTenantId();
    const pricePlan = await this.plans.planForPrices(subscription.priceIds);
    if (!pricePlan && (subscription.status === 'active' || subscription.status === 'trialing')) {
      throw new BillingError(BillingErrorCode.UnknownPrice, `Subscription ${subscription.id} sells no known plan (prices ${subscription.priceIds.join(', ')})`, {
        priceIds: subscription.priceIds,
      });
    }

    // Set inside the unit of work's callback, which control-flow analysis does not follow.
    let grace = undefined as 'started' | 'ended' | undefined;
    let graceUntil = null as Date | null;
    const outcome = await this.db.transaction(async (): Promise<SyncOutcome> => {
      const account = await this.accounts.lock(tenantId);
      if (!account) return { outcome: 'no_account' };
      if (event && account.lastEventCreated && event.created.getTime() < account.lastEventCreated.getTime()) return { outcome: 'stale' };
      if (account.stripeSubscriptionId && account.stripeSubscriptionId !== subscription.id && isEnded(subscription.status)) {
        return { outcome: 'other_subscription' };
      }
      const tenant = await this.standing.lock(tenantId);
      if (!tenant) return { outcome: 'no_account' };

      const now = new Date();
      const decision = decide(subscription.status, pricePlan?.id ?? null, { plan: tenant.plan, graceUntil: account.graceUntil }, now, this.config.env.PAST_DUE_GRACE_DAYS);
      const context = { subscriptionId: subscription.id, subscriptionStatus: subscription.status, ...(event && { eventId: event.id }) };
      const change: BillingAccountChange = {
        stripeSubscriptionId: subscription.id,
        subscriptionStatus: subscription.status,
        stripePriceId: pricePlan?.stripePriceId ?? subscription.priceIds[0] ?? null,
        currentPeriodEnd: subscription.currentPeriodEnd,
        cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
        graceUntil: decision.graceUntil,
        ...(event && { lastEventId: event.id, lastEventCreated: event.created }),
      };
      const deleted = tenant.status === 'deleted'; // a deleted tenant keeps its state until erasure

      if (!deleted && decision.plan !== tenant.plan) {
        await this.standing.update(tenantId, { plan: decision.plan });
        await this.record('tenant.plan_changed', tenantId, { from: tenant.plan, to: decision.plan, source: 'stripe', ...context });
      }
      if (decision.graceUntil && !account.graceUntil) {
        grace = 'started';
        graceUntil = decision.graceUntil;
        await this.record('billing.grace_started', tenantId, { graceUntil: decision.graceUntil.toISOString(), ...context });
      } else if (!decision.graceUntil && account.graceUntil) {
        grace = 'ended';
        await this.record('billing.grace_ended', tenantId, context);
      }
      if (!deleted && decision.suspend && tenant.status === 'active') {
        await this.standing.update(tenantId, { status: 'suspended', suspendedAt: now });
        change.billingSuspendedAt = now;
        await this.record('tenant.suspended', tenantId, { reason: 'billing', ...context });
      }
      if (decision.resume && account.billingSuspendedAt) {
        // Only billing's own suspension: the tenant's suspended_at is the very instant billing set.
        const billingsOwn = tenant.status === 'suspended' && tenant.suspendedAt?.getTime() === account.billingSuspendedAt.getTime();
        if (billingsOwn) {
          await this.standing.update(tenantId, { status: 'active', suspendedAt: null });
          await this.record('tenant.resumed', tenantId, { reason: 'billing', ...context });
        }
        change.billingSuspendedAt = null;
      }
      if (event?.type === 'invoice.payment_failed') {
        await this.record('billing.payment_failed', tenantId, { ...(event.invoiceId && { invoiceId: event.invoiceId }), ...context });
      }
      await this.accounts.update(tenantId, change);
      return { outcome: 'applied', plan: deleted ? tenant.plan : decision.plan, status: subscription.status };
    });

    // After the commit: the grace job re-reads the account when it runs, so a schedule that
    // outlives a rolled-back change does nothing, and a lost one is repaired by the next event.
    if (grace === 'started' && graceUntil) await this.jobs.scheduleGraceEnd(tenantId, graceUntil);
    if (grace === 'ended') await this.jobs.cancelGraceEnd(tenantId);
    if (outcome.outcome === 'applied') this.logger.log({ tenantId, ...outcome, eventId: event?.id }, 'subscription state applied');
    return outcome;
  }

  /**
   * The grace job: when the tenant's grace period is over, re-reads the subscription from Stripe
   * (a payment may have recovered without our hearing of it) and applies it; a subscription still
   * past_due or unpaid then suspends the tenant.
   */
  async enforceGrace(): Promise<GraceOutcome> {
    this.ctx.requirePermission('billing:manage');
    const tenantId = this.ctx.requireTenantId();
    const account = await this.accounts.find(tenantId);
    if (!account?.graceUntil || !account.stripeSubscriptionId || !account.subscriptionStatus) return { outcome: 'no_grace' };
    if (account.graceUntil.getTime() > Date.now()) return { outcome: 'not_due', dueAt: account.graceUntil };
    const subscriptionId = account.stripeSubscriptionId;
    const current = this.stripe.api
      ? snapshotOf(await this.stripe.call('read the subscription', (api) => api.subscriptions.retrieve(subscriptionId)))
      : {
          id: subscriptionId,
          status: account.subscriptionStatus,
          priceIds: account.stripePriceId ? [account.stripePriceId] : [],
          currentPeriodEnd: account.currentPeriodEnd,
          cancelAtPeriodEnd: account.cancelAtPeriodEnd,
        };
    return this.apply(current);
  }

  private record(action: string, tenantId: string, data: Record<string, unknown>): Promise<void> {
    return this.audit.record({ action, targetType: 'tenant', targetId: tenantId, data });
  }
}
