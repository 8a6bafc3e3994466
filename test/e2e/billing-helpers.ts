import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import type Stripe from 'stripe';
import type { Role } from '../../src/platform/security/permissions.js';
import { type FakeStripe, signatureHeader } from '../support/fake-stripe.js';
import { ownerPool } from '../support/owner-pool.js';
import { bearer, mintToken, openTestSession, type TestApp } from '../support/http-app.js';

/**
 * Builders and read-backs for the billing, Stripe and worker specs: members written through the
 * owner connection (no RLS), signed webhook deliveries, and what really is in the tables.
 */

export interface Member {
  userId: string;
  token: string;
  headers: Record<string, string>;
}

export interface TenantRow {
  plan: string;
  status: 'active' | 'suspended' | 'deleted';
  suspended_at: Date | null;
}

export interface AccountRow {
  stripe_customer_id: string;
  stripe_subscription_id: string | null;
  subscription_status: string | null;
  grace_until: Date | null;
  billing_suspended_at: Date | null;
  last_event_id: string | null;
}

export interface InboxRow {
  id: string;
  type: string;
  status: string;
  attempts: number;
  last_error: string | null;
  processed_at: Date | null;
}

export class BillingWorld {
  readonly owner: pg.Pool;

  constructor(private readonly t: TestApp) {
    this.owner = ownerPool(t.database.ownerUrl, t.config.env, { max: 3, application_name: 'tenantry-test-billing' });
  }

  /** A new user with `role` in the tenant, and an access token for it. */
  async member(tenantId: string, role: Role, options: { platformAdmin?: boolean } = {}): Promise<Member> {
    const userId = randomUUID();
    await this.owner.query('insert into users (id, email, name, is_platform_admin) values ($1, $2, $3, $4)', [
      userId,
      `u-${userId.slice(0, 8)}@example.test`,
      `User ${userId.slice(0, 8)}`,
      options.platformAdmin ?? false,
    ]);
    await this.owner.query('insert into memberships (tenant_id, user_id, role) values ($1, $2, $3)', [tenantId, userId, role]);
    const token = mintToken({ sub: userId, tid: tenantId, sid: await openTestSession(this.owner, userId, tenantId), typ: 'access' });
    return { userId, token, headers: bearer(token) };
  }

  async tenant(tenantId: string): Promise<TenantRow> {
    const { rows } = await this.owner.query<TenantRow>('select plan, status, suspended_at from tenants where id = $1', [tenantId]);
    return rows[0]!;
  }

  async suspend(tenantId: string): Promise<void> {
    await this.owner.query("update tenants set status = 'suspended', suspended_at = now() where id = $1", [tenantId]);
  }

  async account(tenantId: string): Promise<AccountRow | undefined> {
    const { rows } = await this.owner.query<AccountRow>('select * from billing_accounts where tenant_id = $1', [tenantId]);
    return rows[0];
  }

  async inbox(eventId: string): Promise<InboxRow[]> {
    const { rows } = await this.owner.query<InboxRow>('select id, type, status, attempts, last_error, processed_at from stripe_events where id = $1', [eventId]);
    return rows;
  }

  async audit(tenantId: string, action: string): Promise<Array<{ action: string; actor_type: string; data: Record<string, unknown> }>> {
    const { rows } = await this.owner.query('select action, actor_type, data from audit_events where tenant_id = $1 and action = $2 order by seq', [tenantId, action]);
    return rows;
  }

  /** Posts the event to the webhook as Stripe does: its JSON, signed with the webhook secret. */
  deliver(event: Stripe.Event | object, options: { timestamp?: number; secret?: string; signature?: string } = {}): Promise<LightMyRequestResponse> {
    const payload = JSON.stringify(event, null, 2); // Stripe sends pretty-printed JSON: the signature covers those exact bytes
    return this.t.inject({
      method: 'POST',
      url: '/api/v1/billing/webhooks',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'stripe-signature': options.signature ?? signatureHeader(payload, { secret: options.secret, timestamp: options.timestamp }),
      },
      payload,
    });
  }

  /** The inbox row once the job has finished with it (processed or ignored). */
  async processed(eventId: string, timeoutMs = 15_000): Promise<InboxRow> {
    return waitFor(
      async () => (await this.inbox(eventId))[0],
      (row) => row?.processed_at != null,
      timeoutMs,
      `stripe event ${eventId} processed`,
    ) as Promise<InboxRow>;
  }

  /** A billing account with a Stripe customer (as a first checkout leaves it), and the customer at the fake. */
  async accountWithCustomer(stripe: FakeStripe, tenantId: string): Promise<string> {
    const customer = `cus_${randomUUID().replace(/-/g, '')}`;
    stripe.customers.set(customer, { id: customer, object: 'customer', metadata: { tenantId } });
    await this.owner.query('insert into billing_accounts (tenant_id, stripe_customer_id) values ($1, $2)', [tenantId, customer]);
    return customer;
  }

  close(): Promise<void> {
    return this.owner.end();
  }
}

/** Polls `read` until `done` holds (jobs run asynchronously); fails with `what` after the timeout. */
export async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(value)}`);
    await sleep(50);
  }
}
