import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { Job, Queue } from 'bullmq';
import { TITLE_INSTRUCTION, TITLE_MAX_TOKENS } from '../../src/modules/chat/conversations/conversation-title.js';
import { CONVERSATION_TITLE_JOB, CONVERSATION_TITLE_QUEUE, conversationTitleJobId } from '../../src/modules/chat/jobs/conversation-title.jobs.js';
import { AppQueues } from '../../src/platform/queue/app-queues.js';
import { FAKE_PROVIDER_ENV, type FakeOpenAi, type ReceivedRequest, startFakeOpenAi } from '../support/fake-openai.js';
import { createTestApp, expectProblem, type TestApp, type TestMember } from '../support/http-app.js';
import { waitFor } from './billing-helpers.js';
import { modelUsageOf } from '../support/usage.js';

/**
 * Conversation titles written by the tenant's model, through the real queue and worker: after the
 * first exchange a `chat.conversation-title` job asks the tenant's provider (a local fake) for a
 * title, metered in tokens like a reply (reserve, settle, release). Over quota it asks nothing and
 * fails for good; a title a user set is never replaced; a job works only in its own tenant.
 */

let t: TestApp;
let fake: FakeOpenAi;
let queue: Queue;

beforeAll(async () => {
  fake = await startFakeOpenAi();
  t = await createTestApp({ env: { ...FAKE_PROVIDER_ENV, PROVIDER_MAX_RETRIES: '0' } });
  queue = t.app.get(AppQueues, { strict: false }).get(CONVERSATION_TITLE_QUEUE)!;
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});
beforeEach(() => {
  fake.requests.length = 0;
});

interface Setup {
  autoTitles?: boolean;
  provider?: 'openai_compatible' | 'builtin';
  /** limit_overrides of the tenant's (free) plan, e.g. { tokens_per_month: 100 }. */
  limits?: object;
}

async function tenantWithAdmin({ autoTitles = true, provider = 'openai_compatible', limits = {} }: Setup = {}): Promise<{ tenantId: string; admin: TestMember }> {
  const tenant = await t.makeTenant();
  await t.owner.query('update tenants set limit_overrides = $2 where id = $1', [tenant.id, JSON.stringify(limits)]);
  const admin = await t.makeMember(tenant.id, 'admin');
  const settings = provider === 'builtin' ? { autoTitles } : { provider, model: 'gpt-test', baseUrl: fake.baseUrl, maxTokens: 50, autoTitles };
  const res = await t.inject({ method: 'PATCH', url: '/api/v1/assistant', headers: admin.auth, payload: settings });
  expect(res.statusCode).toBe(200);
  return { tenantId: tenant.id, admin };
}

const start = async (who: TestMember): Promise<string> =>
  (await t.inject({ method: 'POST', url: '/api/v1/conversations', headers: who.auth })).json<{ id: string }>().id;

const post = (who: TestMember, id: string, content: string, accept = 'application/json') =>
  t.inject({ method: 'POST', url: `/api/v1/conversations/${id}/messages`, headers: { ...who.auth, accept }, payload: { content } });

const rename = (who: TestMember, id: string, payload: unknown) => t.inject({ method: 'PATCH', url: `/api/v1/conversations/${id}`, headers: who.auth, payload: payload as object });

const detail = async (who: TestMember, id: string) => (await t.inject({ method: 'GET', url: `/api/v1/conversations/${id}`, headers: who.auth })).json<{ id: string; title: string | null }>();

const stored = async (id: string) =>
  (await t.owner.query<{ title: string | null; title_source: string | null; updated_at: Date }>('select title, title_source, updated_at from conversations where id = $1', [id])).rows[0];

const usageOf = (tenantId: string) => modelUsageOf(t.owner, tenantId);

const isTitleRequest = (r: ReceivedRequest): boolean => r.body.messages?.[0]?.content === TITLE_INSTRUCTION;
const titleRequests = (): ReceivedRequest[] => fake.requests.filter(isTitleRequest);

/** The job once it completed or failed for good. */
async function finished(jobId: string): Promise<Job> {
  const state = await waitFor(async () => (await (await queue.getJob(jobId))?.getState()) ?? 'missing', (s) => s === 'completed' || s === 'failed', 20_000, `job ${jobId}`);
  const job = (await queue.getJob(jobId))!;
  expect(['completed', 'failed']).toContain(state);
  return job;
}

const titleJob = (tenantId: string, conversationId: string) => finished(conversationTitleJobId(tenantId, conversationId));

describe('after the first exchange', () => {
  it("the tenant's model titles the conversation, and the title's tokens are metered (not as a message)", async () => {
    const { tenantId, admin } = await tenantWithAdmin();
    const id = await start(admin);
    fake.enqueue(
      { kind: 'ok', text: 'Refunds take five working days.', usage: { prompt_tokens: 20, completion_tokens: 6 } },
      { kind: 'ok', text: '"Refund timing."\nThe user asks about refunds.', usage: { prompt_tokens: 70, completion_tokens: 4 } },
    );

    const res = await post(admin, id, 'How long do  refunds take?');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ reply: 'Refunds take five working days.' });
    const job = await titleJob(tenantId, id);

    expect({ name: job.name, data: job.data, state: await job.getState(), outcome: job.returnvalue }).toEqual({
      name: CONVERSATION_TITLE_JOB,
      data: { tenantId, conversationId: id },
      state: 'completed',
      outcome: 'titled',
    });
    expect(titleRequests()).toHaveLength(1);
    expect(titleRequests()[0]!.body).toMatchObject({
      model: 'gpt-test',
      max_tokens: TITLE_MAX_TOKENS,
      stream: false,
      messages: [
        { role: 'system', content: TITLE_INSTRUCTION },
        { role: 'user', content: 'User: How long do refunds take?\n\nAssistant: Refunds take five working days.' },
      ],
    });
    expect(await detail(admin, id)).toMatchObject({ id, title: 'Refund timing' });
    const list = (await t.inject({ method: 'GET', url: '/api/v1/conversations', headers: admin.auth })).json<{ data: Array<{ id: string; title: string }> }>();
    expect(list.data).toEqual([expect.objectContaining({ id, title: 'Refund timing' })]);
    expect(await usageOf(tenantId)).toEqual({ messages: { used: 1, reserved: 0 }, tokens: { used: 26 + 74, reserved: 0 } });
  });

  it('a streamed first reply asks for the title too', async () => {
    const { tenantId, admin } = await tenantWithAdmin();
    const id = await start(admin);
    fake.enqueue({ kind: 'ok', text: 'Norway is fine.' }, { kind: 'ok', text: 'Shipping to Norway' });

    expect((await post(admin, id, 'Do you ship to Norway?', 'text/event-stream')).statusCode).toBe(200);

    expect((await titleJob(tenantId, id)).returnvalue).toBe('titled');
    expect(await detail(admin, id)).toMatchObject({ title: 'Shipping to Norway' });
  });

  it('"first exchange" is the first complete answer and its question: a failed reply before it does not count', async () => {
    const { tenantId, admin } = await tenantWithAdmin();
    const id = await start(admin);
    fake.enqueue({ kind: 'status', status: 500 }, { kind: 'ok', text: 'Yes, in blue.' }, { kind: 'ok', text: 'Blue sweater availability' });

    expectProblem(await post(admin, id, 'first try'), 502, 'provider_failed');
    expect(await queue.getJob(conversationTitleJobId(tenantId, id))).toBeUndefined();
    expect((await post(admin, id, 'Do you have the sweater in blue?')).statusCode).toBe(200);

    expect((await titleJob(tenantId, id)).returnvalue).toBe('titled');
    expect(titleRequests()[0]!.body.messages?.[1]).toEqual({ role: 'user', content: 'User: Do you have the sweater in blue?\n\nAssistant: Yes, in blue.' });
    expect(await detail(admin, id)).toMatchObject({ title: 'Blue sweater availability' });
  });

  it('runs once: later replies ask for no title, and a repeated run calls no model and charges nothing', async () => {
    const { tenantId, admin } = await tenantWithAdmin();
    const id = await start(admin);
    fake.enqueue({ kind: 'ok', text: 'Hi.' }, { kind: 'ok', text: 'Greetings' });
    await post(admin, id, 'hello');
    const first = await titleJob(tenantId, id);
    expect(first.returnvalue).toBe('titled');

    fake.enqueue({ kind: 'ok', text: 'Still here.' });
    expect((await post(admin, id, 'another question')).statusCode).toBe(200);
    // The same job (id, creation time), not a second one; its run already happened.
    expect((await queue.getJob(conversationTitleJobId(tenantId, id)))!.timestamp).toBe(first.timestamp);
    const before = { usage: await usageOf(tenantId), requests: fake.requests.length };

    // At-least-once delivery: the same work delivered again.
    await queue.add(CONVERSATION_TITLE_JOB, { tenantId, conversationId: id }, { jobId: `again-${id}` });
    expect((await finished(`again-${id}`)).returnvalue).toBe('already_titled');

    expect({ usage: await usageOf(tenantId), requests: fake.requests.length }).toEqual(before);
    expect(await detail(admin, id)).toMatchObject({ title: 'Greetings' });
  });

  it('a tenant that did not turn titles on, or uses a built-in model, gets no title job: the first message stays the title', async () => {
    const off = await tenantWithAdmin({ autoTitles: false });
    const builtin = await tenantWithAdmin({ provider: 'builtin', autoTitles: true });
    const offId = await start(off.admin);
    const builtinId = await start(builtin.admin);

    expect((await post(off.admin, offId, 'no titles here')).statusCode).toBe(200);
    const widgetLike = await post(builtin.admin, builtinId, 'hello world');
    expect(widgetLike.json()).toMatchObject({ reply: "Hello! How can I help? [ACME MOCK] You said: 'hello world'. Here's it reversed: 'dlrow olleh'" });

    expect(await queue.getJob(conversationTitleJobId(off.tenantId, offId))).toBeUndefined();
    expect(await queue.getJob(conversationTitleJobId(builtin.tenantId, builtinId))).toBeUndefined();
    expect(await stored(offId)).toMatchObject({ title: 'no titles here', title_source: null });
    expect(await stored(builtinId)).toMatchObject({ title: 'hello world', title_source: null });
    expect(titleRequests()).toHaveLength(0);
  });

  it('answers the reply even when the title job cannot be enqueued', async () => {
    const { tenantId, admin } = await tenantWithAdmin();
    const id = await start(admin);
    const add = jest.spyOn(queue, 'add').mockRejectedValueOnce(new Error('Redis is away'));
    try {
      const res = await post(admin, id, 'are you there?');

      expect(res.statusCode).toBe(200);
      expect(add).toHaveBeenCalledTimes(1);
    } finally {
      add.mockRestore();
    }
    expect(await queue.getJob(conversationTitleJobId(tenantId, id))).toBeUndefined();
    expect(await stored(id)).toMatchObject({ title: 'are you there?', title_source: null });
  });
});

describe('quota', () => {
  it('a tenant at its token quota gets no title: the model is not asked, the job fails without retrying, the counters stay', async () => {
    const { tenantId, admin } = await tenantWithAdmin({ limits: { tokens_per_month: 100 } });
    const id = await start(admin);
    // The reply fits (reserved: its estimate + 50 max tokens) and uses 95 of the 100 tokens.
    fake.enqueue({ kind: 'ok', text: 'It is on its way.', usage: { prompt_tokens: 80, completion_tokens: 15 } });

    expect((await post(admin, id, 'Where is my parcel?')).statusCode).toBe(200);
    const afterReply = await usageOf(tenantId);
    const job = await titleJob(tenantId, id);

    expect({ state: await job.getState(), attemptsMade: job.attemptsMade, reason: job.failedReason }).toEqual({
      state: 'failed',
      attemptsMade: 1,
      reason: expect.stringMatching(/^quota_exceeded: tokens limit 100, used 95, resets /),
    });
    expect(fake.requests).toHaveLength(1);
    expect(titleRequests()).toHaveLength(0);
    expect(afterReply).toEqual({ messages: { used: 1, reserved: 0 }, tokens: { used: 95, reserved: 0 } });
    expect(await usageOf(tenantId)).toEqual(afterReply);
    expect(await stored(id)).toMatchObject({ title: 'Where is my parcel?', title_source: null });
  });
});

describe('provider failures', () => {
  it('retry with backoff; only the attempt that answered is metered', async () => {
    const { tenantId, admin } = await tenantWithAdmin();
    const id = await start(admin);
    fake.enqueue(
      { kind: 'ok', text: 'Sure.', usage: { prompt_tokens: 10, completion_tokens: 2 } },
      { kind: 'status', status: 503 },
      { kind: 'ok', text: 'Invoice copy', usage: { prompt_tokens: 60, completion_tokens: 3 } },
    );

    await post(admin, id, 'Can I get a copy of my invoice?');
    const job = await titleJob(tenantId, id);

    expect({ outcome: job.returnvalue, titleRequests: titleRequests().length }).toEqual({ outcome: 'titled', titleRequests: 2 });
    expect(await detail(admin, id)).toMatchObject({ title: 'Invoice copy' });
    expect(await usageOf(tenantId)).toEqual({ messages: { used: 1, reserved: 0 }, tokens: { used: 12 + 63, reserved: 0 } });
  });

  it('that no retry can fix (a refused key) fail the job at once, with the reservation released', async () => {
    const { tenantId, admin } = await tenantWithAdmin();
    const id = await start(admin);
    fake.enqueue({ kind: 'ok', text: 'Sure.', usage: { prompt_tokens: 10, completion_tokens: 2 } }, { kind: 'status', status: 401 });

    await post(admin, id, 'Can I get a copy of my invoice?');
    const job = await titleJob(tenantId, id);

    expect({ state: await job.getState(), attemptsMade: job.attemptsMade, reason: job.failedReason }).toEqual({
      state: 'failed',
      attemptsMade: 1,
      reason: 'provider_failed: provider answered HTTP 401',
    });
    expect(titleRequests()).toHaveLength(1);
    expect(await usageOf(tenantId)).toEqual({ messages: { used: 1, reserved: 0 }, tokens: { used: 12, reserved: 0 } });
    expect(await stored(id)).toMatchObject({ title: 'Can I get a copy of my invoice?', title_source: null });
  });
});

describe("a user's title", () => {
  it('set before the first exchange is kept: no model call for a title', async () => {
    const { tenantId, admin } = await tenantWithAdmin();
    const id = await start(admin);
    expect((await rename(admin, id, { title: 'My refund' })).statusCode).toBe(200);
    fake.enqueue({ kind: 'ok', text: 'Done.', usage: { prompt_tokens: 10, completion_tokens: 2 } });

    await post(admin, id, 'please refund order 42');

    expect((await titleJob(tenantId, id)).returnvalue).toBe('user_title');
    expect(titleRequests()).toHaveLength(0);
    expect(await stored(id)).toMatchObject({ title: 'My refund', title_source: 'user' });
    expect(await usageOf(tenantId)).toEqual({ messages: { used: 1, reserved: 0 }, tokens: { used: 12, reserved: 0 } });
  });

  it('set while the model is writing the title wins; the tokens the model used are still metered', async () => {
    const { tenantId, admin } = await tenantWithAdmin();
    const id = await start(admin);
    let answer!: () => void;
    const gate = new Promise<void>((resolve) => (answer = resolve));
    fake.enqueue(
      { kind: 'ok', text: 'Done.', usage: { prompt_tokens: 10, completion_tokens: 2 } },
      { kind: 'ok', text: 'Generated title', usage: { prompt_tokens: 60, completion_tokens: 2 }, gate },
    );

    await post(admin, id, 'please refund order 42');
    await waitFor(async () => titleRequests().length, (n) => n === 1, 20_000, 'the title request');
    expect((await rename(admin, id, { title: 'Mine' })).statusCode).toBe(200);
    answer();
    const job = await titleJob(tenantId, id);

    expect(job.returnvalue).toBe('superseded');
    expect(await stored(id)).toMatchObject({ title: 'Mine', title_source: 'user' });
    expect(await usageOf(tenantId)).toEqual({ messages: { used: 1, reserved: 0 }, tokens: { used: 12 + 62, reserved: 0 } });
  });
});

describe('tenant isolation', () => {
  it("the job of tenant A cannot touch tenant B's conversation, even with its id in the payload", async () => {
    const a = await tenantWithAdmin();
    const b = await tenantWithAdmin({ autoTitles: false });
    const bConversation = await start(b.admin);
    fake.enqueue({ kind: 'ok', text: 'B answer.', usage: { prompt_tokens: 10, completion_tokens: 2 } });
    await post(b.admin, bConversation, 'B secret question');
    const before = { row: await stored(bConversation), a: await usageOf(a.tenantId), b: await usageOf(b.tenantId), requests: fake.requests.length };

    const jobId = conversationTitleJobId(a.tenantId, bConversation);
    await queue.add(CONVERSATION_TITLE_JOB, { tenantId: a.tenantId, conversationId: bConversation }, { jobId });
    const job = await finished(jobId);

    expect({ state: await job.getState(), outcome: job.returnvalue }).toEqual({ state: 'completed', outcome: 'not_found' });
    expect({ row: await stored(bConversation), a: await usageOf(a.tenantId), b: await usageOf(b.tenantId), requests: fake.requests.length }).toEqual(before);
    expect(before.row).toMatchObject({ title: 'B secret question', title_source: null });
  });

  it('a payload that is not a tenant job fails at once', async () => {
    await queue.add(CONVERSATION_TITLE_JOB, { conversationId: 'not-a-uuid' }, { jobId: 'invalid-title-payload' });
    const job = await finished('invalid-title-payload');

    expect({ state: await job.getState(), attemptsMade: job.attemptsMade }).toEqual({ state: 'failed', attemptsMade: 1 });
    expect(job.failedReason).toMatch(/^invalid payload for job chat.conversation-title: /);
  });
});

describe('PATCH /api/v1/conversations/:id', () => {
  it('sets the title (trimmed), without counting as activity; the detail and the list show it', async () => {
    const { admin } = await tenantWithAdmin();
    const id = await start(admin);
    const before = await stored(id);

    const res = await rename(admin, id, { title: '  Refund for order 42  ' });

    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id, title: 'Refund for order 42', channel: 'api' });
    expect(await detail(admin, id)).toMatchObject({ title: 'Refund for order 42' });
    expect(await stored(id)).toEqual({ title: 'Refund for order 42', title_source: 'user', updated_at: before!.updated_at });
  });

  it.each([
    [{ title: '' }, 'title'],
    [{ title: '   ' }, 'title'],
    [{ title: 'x'.repeat(81) }, 'title'],
    [{ title: 'two\nlines' }, 'title'],
    [{ title: 42 }, 'title'],
    [{ title: 'ok', channel: 'widget' }, '(root)'],
    [{}, 'title'],
  ])('refuses %j with 400 validation_failed', async (payload, field) => {
    const { admin } = await tenantWithAdmin();
    const id = await start(admin);

    const problem = expectProblem(await rename(admin, id, payload), 400, 'validation_failed') as { errors: Array<{ field: string }> };

    expect(problem.errors.map((e) => e.field)).toContain(field);
    expect(await stored(id)).toMatchObject({ title: null, title_source: null });
  });

  it("answers 404 for a conversation the caller may not use: another member's, another tenant's", async () => {
    const { tenantId } = await tenantWithAdmin();
    const alice = await t.makeMember(tenantId, 'member');
    const bob = await t.makeMember(tenantId, 'member');
    const other = await tenantWithAdmin();
    const alicesChat = await start(alice);

    expectProblem(await rename(bob, alicesChat, { title: 'mine now' }), 404, 'conversation_not_found');
    expectProblem(await rename(other.admin, alicesChat, { title: 'mine now' }), 404, 'conversation_not_found');
    expect((await rename(alice, alicesChat, { title: 'my own' })).statusCode).toBe(200);
    expect(await stored(alicesChat)).toMatchObject({ title: 'my own', title_source: 'user' });
  });
});
