import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { FAKE_PROVIDER_ENV, type FakeBehaviour, type FakeOpenAi, startFakeOpenAi } from '../support/fake-openai.js';
import { createTestApp, expectProblem, type TestApp, type TestMember } from '../support/http-app.js';
import { modelUsageOf } from '../support/usage.js';

/**
 * A reply's total deadline (CHAT_REPLY_DEADLINE_MS, 1 s here): the provider's time-out restarts
 * with every chunk (30 s here, never reached), so only the deadline can end a stream that never
 * ends. Past it the provider call is aborted and the reply is stored as failed, its reservation
 * released, as for a provider time-out.
 */

const DEADLINE_MS = 1000;

let t: TestApp;
let fake: FakeOpenAi;
beforeAll(async () => {
  fake = await startFakeOpenAi();
  t = await createTestApp({ env: { ...FAKE_PROVIDER_ENV, CHAT_REPLY_DEADLINE_MS: String(DEADLINE_MS), PROVIDER_TIMEOUT_MS: '30000', PROVIDER_MAX_RETRIES: '0' } });
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});
beforeEach(() => {
  fake.requests.length = 0;
});

async function member(): Promise<{ tenantId: string; admin: TestMember }> {
  const tenant = await t.makeTenant();
  const admin = await t.makeMember(tenant.id, 'admin');
  const payload = { provider: 'openai_compatible', model: 'm', baseUrl: fake.baseUrl };
  expect((await t.inject({ method: 'PATCH', url: '/api/v1/assistant', headers: admin.auth, payload })).statusCode).toBe(200);
  return { tenantId: tenant.id, admin };
}

const start = async (who: TestMember): Promise<string> =>
  (await t.inject({ method: 'POST', url: '/api/v1/conversations', headers: who.auth })).json<{ id: string }>().id;

const post = (who: TestMember, id: string, content: string, accept = 'application/json') =>
  t.inject({ method: 'POST', url: `/api/v1/conversations/${id}/messages`, headers: { ...who.auth, accept }, payload: { content } });

const rowsOf = async (conversationId: string) =>
  (
    await t.owner.query<{ role: string; content: string; status: string; error: string | null }>(
      'select role, content, status, error from messages where conversation_id = $1 order by created_at, id',
      [conversationId],
    )
  ).rows;

const heldReservations = async (tenantId: string): Promise<number> =>
  (await t.owner.query<{ n: number }>('select count(*)::int as n from usage_reservations where tenant_id = $1', [tenantId])).rows[0]!.n;

/** The event names of an event-stream body, and the data of its last event. */
function events(body: string): { names: string[]; last: Record<string, unknown> } {
  const blocks = body.split('\n\n').filter((b) => b.trim() !== '' && !b.startsWith(':'));
  const names = blocks.map((b) => /^event: (.*)$/m.exec(b)![1]!);
  const last = JSON.parse(/^data: (.*)$/m.exec(blocks.at(-1)!)![1]!) as Record<string, unknown>;
  return { names, last };
}

const DEADLINE_ERROR = `no complete reply within ${DEADLINE_MS} ms`;

describe('the total deadline of a reply', () => {
  it.each<[string, FakeBehaviour, RegExp]>([
    ['keeps sending chunks for ever', { kind: 'trickle' }, /^(more )+$/],
    ['sends one chunk, then nothing', { kind: 'stall-mid-stream' }, /^Partial $/],
  ])('aborts a stream that %s, stores the reply failed with its text, and releases its reservation', async (_case, behaviour, text) => {
    const { tenantId, admin } = await member();
    const id = await start(admin);
    fake.enqueue(behaviour);

    const res = await post(admin, id, 'never stop', 'text/event-stream');

    expect(res.statusCode).toBe(200);
    const { names, last } = events(res.body);
    expect(names.at(-1)).toBe('error');
    expect(names.slice(0, -1).every((name) => name === 'delta')).toBe(true);
    expect(names.length).toBeGreaterThan(1);
    expect(last).toMatchObject({ status: 502, code: 'provider_failed', detail: `The model provider failed: ${DEADLINE_ERROR}` });
    await fake.requests[0]!.closed; // the abort reached the provider
    const [question, reply] = await rowsOf(id);
    expect(question).toMatchObject({ role: 'user', status: 'complete' });
    expect(reply).toMatchObject({ role: 'assistant', status: 'failed', error: DEADLINE_ERROR });
    expect(reply!.content).toMatch(text);
    expect(await modelUsageOf(t.owner, tenantId)).toEqual({ messages: { used: 0, reserved: 0 }, tokens: { used: 0, reserved: 0 } });
    expect(await heldReservations(tenantId)).toBe(0);
  });

  it('aborts a JSON reply whose provider never answers: 502, stored failed, released; the conversation goes on', async () => {
    const { tenantId, admin } = await member();
    const id = await start(admin);
    fake.enqueue({ kind: 'hang' });

    const problem = expectProblem(await post(admin, id, 'hello?'), 502, 'provider_failed');

    expect(problem.detail).toBe(`The model provider failed: ${DEADLINE_ERROR}`);
    await fake.requests[0]!.closed;
    expect(await rowsOf(id)).toEqual([
      { role: 'user', content: 'hello?', status: 'complete', error: null },
      { role: 'assistant', content: '', status: 'failed', error: DEADLINE_ERROR },
    ]);
    expect(await modelUsageOf(t.owner, tenantId)).toEqual({ messages: { used: 0, reserved: 0 }, tokens: { used: 0, reserved: 0 } });

    fake.enqueue({ kind: 'ok', text: 'Here at last.' });
    const next = await post(admin, id, 'still there?');

    expect(next.statusCode).toBe(200);
    expect(next.json<{ reply: string }>().reply).toBe('Here at last.');
    // The failed reply is not history: the model gets the first question alone before the new one.
    expect(fake.requests[1]!.body.messages).toEqual([
      { role: 'user', content: 'hello?' },
      { role: 'user', content: 'still there?' },
    ]);
    expect(await modelUsageOf(t.owner, tenantId)).toEqual({ messages: { used: 1, reserved: 0 }, tokens: { used: 18, reserved: 0 } });
    expect(await heldReservations(tenantId)).toBe(0);
  });

  it('leaves a reply that completes within the deadline alone', async () => {
    const { admin } = await member();
    const id = await start(admin);
    fake.enqueue({ kind: 'ok', text: 'Quick.' });

    const res = await post(admin, id, 'quick one', 'text/event-stream');

    expect(events(res.body).names.at(-1)).toBe('done');
    expect((await rowsOf(id))[1]).toMatchObject({ status: 'complete', content: 'Quick.', error: null });
  });
});
