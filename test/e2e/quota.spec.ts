import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InvitationsModule } from '../../src/modules/auth/invitations/invitations.module.js';
import { BillingModule } from '../../src/modules/billing/billing.module.js';
import { ChatModule } from '../../src/modules/chat/chat.module.js';
import { WidgetModule } from '../../src/modules/chat/widget/widget.module.js';
import { CONVERSATION_TITLE_QUEUE, conversationTitleJobId } from '../../src/modules/chat/jobs/conversation-title.jobs.js';
import { MembersModule } from '../../src/modules/tenant/members/members.module.js';
import { UsageModule } from '../../src/modules/usage/usage.module.js';
import { UsageService } from '../../src/modules/usage/usage.service.js';
import { TenantContext } from '../../src/platform/context/tenant-context.js';
import { AppQueues } from '../../src/platform/queue/app-queues.js';
import { FAKE_PROVIDER_ENV, type FakeOpenAi, startFakeOpenAi } from '../support/fake-openai.js';
import { FAKE_PRICES, type FakeStripe, startFakeStripe, stripeEvent } from '../support/fake-stripe.js';
import { createTestApp, expectProblem, type TestApp, type TestMember } from '../support/http-app.js';
import { BillingWorld, waitFor } from './billing-helpers.js';

/**
 * Quotas come from the tenant's plan and hold on every path: HTTP (chat, invitations), a job
 * running in the tenant's context, and after a Stripe webhook changed the plan. Over quota:
 * 402 problem+json quota_exceeded with the limit, the use and when it resets.
 */

let t: TestApp;
let openai: FakeOpenAi;
let stripe: FakeStripe;
let world: BillingWorld;

beforeAll(async () => {
  openai = await startFakeOpenAi();
  stripe = await startFakeStripe();
  t = await createTestApp({
    imports: [ChatModule, WidgetModule, MembersModule, InvitationsModule, BillingModule, UsageModule],
    env: { ...stripe.env, ...FAKE_PROVIDER_ENV, PROVIDER_MAX_RETRIES: '0' },
  });
  world = new BillingWorld(t);
});
afterAll(async () => {
  await world?.close();
  await t?.close();
  await stripe?.close();
  await openai?.close();
});

const nextMonth = (): string => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString();
};

async function tenantWith(overrides: object, plan = 'free'): Promise<{ tenantId: string; admin: TestMember }> {
  const tenant = await t.makeTenant();
  await t.owner.query('update tenants set plan = $2, limit_overrides = $3 where id = $1', [tenant.id, plan, JSON.stringify(overrides)]);
  return { tenantId: tenant.id, admin: await t.makeMember(tenant.id, 'admin') };
}

const invite = (admin: TestMember, email: string) =>
  t.inject({ method: 'POST', url: '/api/v1/invitations', headers: admin.auth, payload: { email, role: 'member' } });

describe('chat over quota', () => {
  it('answers 402 quota_exceeded with limit, used and resetAt, and sends nothing to the model', async () => {
    const { admin } = await tenantWith({ messages_per_month: 1 });
    expect((await t.inject({ method: 'PATCH', url: '/api/v1/assistant', headers: admin.auth, payload: { provider: 'openai_compatible', model: 'm', baseUrl: openai.baseUrl } })).statusCode).toBe(200);
    const conversation = (await t.inject({ method: 'POST', url: '/api/v1/conversations', headers: admin.auth })).json<{ id: string }>().id;
    const post = () => t.inject({ method: 'POST', url: `/api/v1/conversations/${conversation}/messages`, headers: admin.auth, payload: { content: 'hi' } });

    expect((await post()).statusCode).toBe(200);
    const sent = openai.requests.length;
    const refused = await post();

    expect(expectProblem(refused, 402, 'quota_exceeded')).toMatchObject({ metric: 'messages', limit: 1, used: 1, resetAt: nextMonth() });
    expect(openai.requests.length).toBe(sent);
    // The refusal is decided in the statement sent with the turn's messages: none of them was written, nothing stays reserved.
    const messages = (await t.inject({ method: 'GET', url: `/api/v1/conversations/${conversation}/messages`, headers: admin.auth })).json<{ data: Array<{ role: string }> }>();
    expect(messages.data.map((m) => m.role)).toEqual(['user', 'assistant']);
    const { rows } = await t.owner.query<{ reserved: string }>('select coalesce(sum(reserved), 0)::text as reserved from usage_counters where tenant_id = (select tenant_id from conversations where id = $1)', [conversation]);
    expect(rows[0]!.reserved).toBe('0');
    expect((await t.owner.query('select 1 from usage_reservations where tenant_id = (select tenant_id from conversations where id = $1)', [conversation])).rowCount).toBe(0);
  });

  it('concurrent turns never pass the quota: exactly the limit is answered, the rest refused with nothing written', async () => {
    const { tenantId, admin } = await tenantWith({ messages_per_month: 5 });
    const conversations = await Promise.all(
      Array.from({ length: 4 }, async () => (await t.inject({ method: 'POST', url: '/api/v1/conversations', headers: admin.auth })).json<{ id: string }>().id),
    );

    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.inject({ method: 'POST', url: `/api/v1/conversations/${conversations[i % 4]!}/messages`, headers: admin.auth, payload: { content: `turn ${i}` } }),
      ),
    );

    expect(answers.filter((a) => a.statusCode === 200)).toHaveLength(5);
    expect(answers.filter((a) => a.statusCode === 402)).toHaveLength(15);
    // The built-in model answers in process: each turn is written once, complete (ChatService.answerInOne).
    const statuses = await t.owner.query<{ status: string; n: number }>('select status, count(*)::int as n from messages where tenant_id = $1 group by status', [tenantId]);
    expect(statuses.rows).toEqual([{ status: 'complete', n: 10 }]);
    expect((await t.owner.query('select 1 from usage_reservations where tenant_id = $1', [tenantId])).rowCount).toBe(0);
    const attributed = await t.owner.query<{ messages: string }>('select sum(messages)::text as messages from usage_attribution where tenant_id = $1', [tenantId]);
    expect(attributed.rows[0]!.messages).toBe('5');
    const counter = await t.owner.query<{ used: string; reserved: string }>("select used::text, reserved::text from usage_counters where tenant_id = $1 and metric = 'messages'", [tenantId]);
    expect(counter.rows).toEqual([{ used: '5', reserved: '0' }]);
  });

  it('a widget turn over quota answers 402 with nothing written: no message, no reservation', async () => {
    const { tenantId } = await tenantWith({ messages_per_month: 0 });
    await t.owner.query("insert into assistant_configs (tenant_id, widget_enabled) values ($1, true) on conflict (tenant_id) do update set widget_enabled = true", [tenantId]);
    const slug = (await t.owner.query<{ slug: string }>('select slug from tenants where id = $1', [tenantId])).rows[0]!.slug;
    const session = await t.inject({ method: 'POST', url: '/session', payload: { tenant_id: slug } });
    expect(session.statusCode).toBe(200);

    const refused = await t.inject({ method: 'POST', url: '/chat', payload: { tenant_id: slug, session_id: session.json<{ session_id: string }>().session_id, message: 'hello' } });

    expect(refused.statusCode).toBe(402);
    expect((await t.owner.query('select 1 from messages where tenant_id = $1', [tenantId])).rowCount).toBe(0);
    expect((await t.owner.query('select 1 from usage_reservations where tenant_id = $1', [tenantId])).rowCount).toBe(0);
    expect((await t.owner.query<{ reserved: string }>("select coalesce(sum(reserved), 0)::text as reserved from usage_counters where tenant_id = $1", [tenantId])).rows[0]!.reserved).toBe('0');
  });
});

describe('seats', () => {
  it('an invitation takes a seat: members plus open invitations may not pass the plan’s seats', async () => {
    const { admin } = await tenantWith({ seats: 3 });

    expect((await invite(admin, `a-${Date.now()}@example.test`)).statusCode).toBe(201);
    expect((await invite(admin, `b-${Date.now()}@example.test`)).statusCode).toBe(201);
    const refused = await invite(admin, `c-${Date.now()}@example.test`);

    expect(expectProblem(refused, 402, 'quota_exceeded')).toMatchObject({ metric: 'seats', limit: 3, used: 3 });
  });

  it('concurrent invitations never take more seats than the plan has', async () => {
    const { tenantId, admin } = await tenantWith({ seats: 5 });

    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => invite(admin, `p${i}-${Date.now()}@example.test`)));

    expect(answers.filter((a) => a.statusCode === 201)).toHaveLength(4);
    expect(answers.filter((a) => a.statusCode === 402)).toHaveLength(6);
    const { rows } = await t.owner.query('select count(*)::int as n from invitations where tenant_id = $1 and revoked_at is null', [tenantId]);
    expect(rows[0].n).toBe(4);
  });
});

describe('quotas off the HTTP path', () => {
  it('a job in the tenant’s context is refused by the same check: the title job asks no model over quota', async () => {
    const { tenantId, admin } = await tenantWith({ tokens_per_month: 100 });
    const assistant = { provider: 'openai_compatible', model: 'm', baseUrl: openai.baseUrl, maxTokens: 50, autoTitles: true };
    expect((await t.inject({ method: 'PATCH', url: '/api/v1/assistant', headers: admin.auth, payload: assistant })).statusCode).toBe(200);
    const conversation = (await t.inject({ method: 'POST', url: '/api/v1/conversations', headers: admin.auth })).json<{ id: string }>().id;
    // The reply fits its reservation (estimate + 50) and leaves 5 tokens: too few for the title's.
    openai.enqueue({ kind: 'ok', text: 'Answer.', usage: { prompt_tokens: 80, completion_tokens: 15 } });
    expect((await t.inject({ method: 'POST', url: `/api/v1/conversations/${conversation}/messages`, headers: admin.auth, payload: { content: 'hi' } })).statusCode).toBe(200);
    const sent = openai.requests.length;

    const queue = t.app.get(AppQueues, { strict: false }).get(CONVERSATION_TITLE_QUEUE)!;
    const jobId = conversationTitleJobId(tenantId, conversation);
    await waitFor(async () => (await queue.getJob(jobId))?.isFailed(), (failed) => failed === true, 15_000, 'the title job to be refused');
    const job = (await queue.getJob(jobId))!;

    expect({ reason: job.failedReason, attemptsMade: job.attemptsMade }).toEqual({ reason: `quota_exceeded: tokens limit 100, used 95, resets ${nextMonth()}`, attemptsMade: 1 });
    expect(openai.requests.length).toBe(sent);
  });

  it('a Stripe webhook that cancels the subscription puts the tenant back on free’s limits at once', async () => {
    const { tenantId, admin } = await tenantWith({}, 'pro');
    const customer = await world.accountWithCustomer(stripe, tenantId);
    const subscription = stripe.createSubscription({ customer, price: FAKE_PRICES.pro, status: 'active', metadata: { tenantId } });
    await t.owner.query("update billing_accounts set stripe_subscription_id = $2, subscription_status = 'active' where tenant_id = $1", [tenantId, subscription.id]);
    await t.makeMember(tenantId, 'member');
    expect((await invite(admin, `w1-${Date.now()}@example.test`)).statusCode).toBe(201); // 3 seats taken, fine on pro

    stripe.setSubscription(subscription.id, { status: 'canceled' });
    const event = stripeEvent('customer.subscription.deleted', { id: subscription.id, object: 'subscription', customer, status: 'canceled' });
    expect((await world.deliver(event)).statusCode).toBeLessThan(300);
    await world.processed(event.id);

    expect(await world.tenant(tenantId)).toMatchObject({ plan: 'free' });
    expect(expectProblem(await invite(admin, `w2-${Date.now()}@example.test`), 402, 'quota_exceeded')).toMatchObject({ metric: 'seats', limit: 3, used: 3 });
  });
});

describe('GET /api/v1/usage', () => {
  it('shows this period’s use against each limit and the daily history', async () => {
    const { tenantId, admin } = await tenantWith({ messages_per_month: 10 });
    const usage = t.app.get(UsageService, { strict: false });
    const ctx = t.app.get(TenantContext, { strict: false });
    await ctx.run({ tenantId }, async () => usage.settle(await usage.reserve({ messages: 2, tokens: 40 }), { messages: 2, tokens: 30 }));

    const res = await t.inject({ method: 'GET', url: '/api/v1/usage', headers: admin.auth });

    expect(res.statusCode).toBe(200);
    const body = res.json<{ resetAt: string; metrics: unknown[]; daily: unknown[] }>();
    expect(body.resetAt).toBe(nextMonth());
    expect(body.metrics).toEqual(
      expect.arrayContaining([
        { metric: 'messages', used: 2, reserved: 0, limit: 10 },
        { metric: 'tokens', used: 30, reserved: 0, limit: 250000 },
        { metric: 'seats', used: 1, reserved: 0, limit: 3 },
      ]),
    );
    expect(body.daily).toEqual(
      expect.arrayContaining([
        { day: new Date().toISOString().slice(0, 10), metric: 'messages', amount: 2 },
        { day: new Date().toISOString().slice(0, 10), metric: 'tokens', amount: 30 },
      ]),
    );
  });
});
