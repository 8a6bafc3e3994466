import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ChatModule } from '../../src/modules/chat/chat.module.js';
import { FAKE_PROVIDER_ENV, type FakeOpenAi, startFakeOpenAi } from '../support/fake-openai.js';
import { createTestApp, expectProblem, type TestApp, type TestMember, type TestTenant } from '../support/http-app.js';
import { modelUsageOf } from '../support/usage.js';

/**
 * Conversations with a tenant's OpenAI-compatible provider, end to end against a local fake
 * server: what the model is sent (system prompt from the published template, history, settings,
 * the decrypted key), retries, and failures that surface as 502 with nothing lost.
 */

let t: TestApp;
let fake: FakeOpenAi;
beforeAll(async () => {
  fake = await startFakeOpenAi();
  t = await createTestApp({ imports: [ChatModule], env: { ...FAKE_PROVIDER_ENV, PROVIDER_TIMEOUT_MS: '300', PROVIDER_MAX_RETRIES: '2' } });
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});
beforeEach(() => {
  fake.requests.length = 0;
});

async function openAiTenant(name = 'Acme Corp'): Promise<{ tenant: TestTenant; admin: TestMember }> {
  const tenant = await t.makeTenant({ name });
  const admin = await t.makeMember(tenant.id, 'admin');
  const res = await t.inject({
    method: 'PATCH',
    url: '/api/v1/assistant',
    headers: admin.auth,
    payload: { provider: 'openai_compatible', model: 'llama3.1:8b', baseUrl: fake.baseUrl, apiKey: 'sk-tenant-key', temperature: 0.2, maxTokens: 100 },
  });
  expect(res.statusCode).toBe(200);
  return { tenant, admin };
}

async function start(member: TestMember): Promise<string> {
  return (await t.inject({ method: 'POST', url: '/api/v1/conversations', headers: member.auth })).json<{ id: string }>().id;
}

const post = (member: TestMember, id: string, content: string) =>
  t.inject({ method: 'POST', url: `/api/v1/conversations/${id}/messages`, headers: member.auth, payload: { content } });

const rowsOf = async (conversationId: string) =>
  (
    await t.owner.query<{ role: string; content: string; status: string; error: string | null; prompt_tokens: number; completion_tokens: number }>(
      'select role, content, status, error, prompt_tokens, completion_tokens from messages where conversation_id = $1 order by created_at, id',
      [conversationId],
    )
  ).rows;

const usageOf = (tenantId: string) => modelUsageOf(t.owner, tenantId);

const today = () => new Date().toISOString().slice(0, 10);

describe('a reply from an OpenAI-compatible provider', () => {
  it("sends the model, settings, history and the tenant's decrypted key, and stores the provider's token counts", async () => {
    const { admin } = await openAiTenant();
    const id = await start(admin);
    fake.enqueue({ kind: 'ok', text: 'First answer.', usage: { prompt_tokens: 20, completion_tokens: 3 } });
    await post(admin, id, 'first question');

    fake.enqueue({ kind: 'ok', text: 'Second answer.', usage: { prompt_tokens: 31, completion_tokens: 4 } });
    const res = await post(admin, id, '  second question ');

    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ reply: 'Second answer.', model: 'llama3.1:8b', mock: false, usage: { promptTokens: 31, completionTokens: 4 } });
    const sent = fake.requests.at(-1)!;
    expect(sent.authorization).toBe('Bearer sk-tenant-key');
    expect(sent.body).toEqual({
      model: 'llama3.1:8b',
      messages: [
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'First answer.' },
        { role: 'user', content: 'second question' },
      ],
      temperature: 0.2,
      max_tokens: 100,
      stream: false,
    });
    expect((await rowsOf(id)).slice(2)).toEqual([
      { role: 'user', content: 'second question', status: 'complete', error: null, prompt_tokens: 4, completion_tokens: 0 },
      { role: 'assistant', content: 'Second answer.', status: 'complete', error: null, prompt_tokens: 31, completion_tokens: 4 },
    ]);
  });

  it('retries a 500 and a 429 before anything was produced, then answers', async () => {
    const { admin } = await openAiTenant();
    const id = await start(admin);
    fake.enqueue({ kind: 'status', status: 500 }, { kind: 'status', status: 429, retryAfter: '0' });

    const res = await post(admin, id, 'hello');

    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ reply: 'Hello from the fake model.' });
    expect(fake.requests).toHaveLength(3);
  });
});

describe('the system prompt', () => {
  const systemPromptSent = () => fake.requests.at(-1)!.body.messages!.filter((m) => m.role === 'system').map((m) => m.content);

  it('is absent until a template is published, then the published version, rendered; rollback restores the older one', async () => {
    const { admin } = await openAiTenant('Initech');
    const id = await start(admin);
    await t.inject({ method: 'POST', url: '/api/v1/assistant/prompts', headers: admin.auth, payload: { template: 'You help {{tenant_name}}.' } });
    await t.inject({ method: 'POST', url: '/api/v1/assistant/prompts', headers: admin.auth, payload: { template: 'v2 for {{ tenant_name }} on {{date}}.' } });

    await post(admin, id, 'q0');
    expect(systemPromptSent()).toEqual([]);

    await t.inject({ method: 'POST', url: '/api/v1/assistant/prompts/2/publish', headers: admin.auth });
    await post(admin, id, 'q1');
    expect(systemPromptSent()).toEqual([`v2 for Initech on ${today()}.`]);

    await t.inject({ method: 'POST', url: '/api/v1/assistant/prompts/1/publish', headers: admin.auth });
    await post(admin, id, 'q2');
    expect(systemPromptSent()).toEqual(['You help Initech.']);
    expect(fake.requests.at(-1)!.body.messages![0]).toEqual({ role: 'system', content: 'You help Initech.' });
  });
});

describe('a provider failure', () => {
  it.each<[string, Parameters<FakeOpenAi['enqueue']>, string, number]>([
    ['a 500 on every attempt', [{ kind: 'status', status: 500 }, { kind: 'status', status: 502 }, { kind: 'status', status: 503 }], 'provider answered HTTP 503', 3],
    ['a 401 (not retried)', [{ kind: 'status', status: 401 }], 'provider answered HTTP 401', 1],
    ['no answer within PROVIDER_TIMEOUT_MS', [{ kind: 'hang' }], 'no answer within 300 ms', 1],
    ['a body that is not JSON', [{ kind: 'malformed' }], 'the response is not valid JSON', 1],
  ])('%s: 502 provider_failed; the user message is stored, the reply stored as failed; nothing metered', async (_case, behaviours, error, attempts) => {
    const { tenant, admin } = await openAiTenant();
    const id = await start(admin);
    fake.enqueue(...behaviours);

    const res = await post(admin, id, 'will this work?');

    const problem = expectProblem(res, 502, 'provider_failed');
    expect(problem.detail).toBe(`The model provider failed: ${error}`);
    expect(res.body).not.toContain('sk-tenant-key');
    expect(res.body).not.toContain('fake failure');
    expect(fake.requests).toHaveLength(attempts);
    const rows = await rowsOf(id);
    expect(rows).toEqual([
      { role: 'user', content: 'will this work?', status: 'complete', error: null, prompt_tokens: 4, completion_tokens: 0 },
      { role: 'assistant', content: '', status: 'failed', error, prompt_tokens: 0, completion_tokens: 0 },
    ]);
    const { rows: ids } = await t.owner.query<{ id: string }>("select id from messages where conversation_id = $1 and role = 'assistant'", [id]);
    expect(problem.messageId).toBe(ids[0]!.id);
    expect(await usageOf(tenant.id)).toEqual({ messages: { used: 0, reserved: 0 }, tokens: { used: 0, reserved: 0 } });
  });

  it('leaves failed replies out of the history sent next time', async () => {
    const { admin } = await openAiTenant();
    const id = await start(admin);
    fake.enqueue({ kind: 'status', status: 400 });
    await post(admin, id, 'lost question');

    await post(admin, id, 'next question');

    expect(fake.requests.at(-1)!.body.messages).toEqual([
      { role: 'user', content: 'lost question' },
      { role: 'user', content: 'next question' },
    ]);
  });
});
