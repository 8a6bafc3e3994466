import { Injectable } from '@nestjs/common';
import { TenantDb } from '../../platform/db/tenant-db.js';

export interface BillingAccount {
  tenantId: string;
  stripeCustomerId: string;
  stripeSubscriptionId: string | null;
  subscriptionStatus: string | null;
  stripePriceId: string | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  graceUntil: Date | null;
  billingSuspendedAt: Date | null;
  lastEventId: string | null;
  lastEventCreated: Date | null;
}

export type BillingAccountChange = Partial<Omit<BillingAccount, 'tenantId' | 'stripeCustomerId'>>;

const ACCOUNT_SELECT = {
  tenantId: true,
  stripeCustomerId: true,
  stripeSubscriptionId: true,
  subscriptionStatus: true,
  stripePriceId: true,
  currentPeriodEnd: true,
  cancelAtPeriodEnd: true,
  graceUntil: true,
  billingSuspendedAt: true,
  lastEventId: true,
  lastEventCreated: true,
} as const;

/** The tenant's billing account (billing_accounts, tenant-owned: RLS applies). */
@Injectable()
export class BillingAccountsRepository {
  constructor(private readonly db: TenantDb) {}

  find(tenantId: string): Promise<BillingAccount | null> {
    return this.db.client.billingAccount.findUnique({ where: { tenantId }, select: ACCOUNT_SELECT });
  }

  /**
   * Serialises the creation of the tenant's Stripe customer across requests and processes: a
   * transaction-scoped advisory lock, held until the unit of work in progress ends.
   */
  async lockCustomerCreation(tenantId: string): Promise<void> {
    await this.db.sql`select 1 as locked from pg_advisory_xact_lock(hashtextextended(${`billing-customer:${tenantId}`}, 0))`;
  }

  /** The account, row-locked until the unit of work in progress ends (events of one tenant apply one at a time). */
  async lock(tenantId: string): Promise<BillingAccount | null> {
    const rows = await this.db.sql<{ tenant_id: string }>`select tenant_id from billing_accounts where tenant_id = ${tenantId}::uuid for update`;
    return rows.length === 0 ? null : this.find(tenantId);
  }

  async create(tenantId: string, stripeCustomerId: string): Promise<BillingAccount> {
    return this.db.client.billingAccount.create({ data: { tenantId, stripeCustomerId }, select: ACCOUNT_SELECT });
  }

  async update(tenantId: string, change: BillingAccountChange): Promise<void> {
    await this.db.client.billingAccount.update({ where: { tenantId }, data: change, select: { tenantId: true } });
  }

  /** Seats in use: the tenant's members (the Checkout quantity). */
  memberCount(tenantId: string): Promise<number> {
    return this.db.client.membership.count({ where: { tenantId } });
  }
}
