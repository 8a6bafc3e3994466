import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestApp, expectProblem, type TestApp, type TestMember } from '../support/http-app.js';

/**
 * GET /api/v1/usage/breakdown: messages and tokens per member, per API key and per model, recorded
 * with each settled reply; for those who manage members; the tenant's own usage only (RLS).
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.close();
});

interface Breakdown {
  from: string;
  to: string;
  totals: { messages: number; promptTokens: number; completionTokens: number; apiCalls: number };
  members: Array<{ userId: string; name: string | null; email: string | null; messages: number; promptTokens: number; completionTokens: number }>;
  apiKeys: Array<{ apiKeyId: string; name: string | null; prefix: string | null; messages: number }>;
  models: Array<{ model: string | null; messages: number; promptTokens: number; completionTokens: number }>;
  widget: { messages: number };
}

async function chat(headers: Record<string, string>, content: string): Promise<{ promptTokens: number; completionTokens: number }> {
  const conversation = await t.inject({ method: 'POST', url: '/api/v1/conversations', headers });
  expect(conversation.statusCode).toBe(201);
  const res = await t.inject({ method: 'POST', url: `/api/v1/conversations/${conversation.json<{ id: string }>().id}/messages`, headers, payload: { content } });
  expect(res.statusCode).toBe(200);
  return res.json<{ usage: { promptTokens: number; completionTokens: number } }>().usage;
}

async function tenantWithUsage(): Promise<{ owner: TestMember; member: TestMember; keyId: string; tokensOf: Record<string, number> }> {
  const tenant = await t.makeTenant();
  const owner = await t.makeMember(tenant.id, 'owner');
  const member = await t.makeMember(tenant.id, 'member');
  const key = await t.inject({ method: 'POST', url: '/api/v1/api-keys', headers: owner.auth, payload: { name: 'ci bot', scopes: ['chat:use'] } });
  expect(key.statusCode).toBe(201);
  const { id: keyId, key: secret } = key.json<{ id: string; key: string }>();
  const tokensOf: Record<string, number> = { owner: 0, member: 0, key: 0 };
  const add = (who: string, u: { promptTokens: number; completionTokens: number }) => (tokensOf[who]! += u.promptTokens + u.completionTokens);
  add('owner', await chat(owner.auth, 'hello'));
  add('member', await chat(member.auth, 'one'));
  add('member', await chat(member.auth, 'two, a longer one'));
  add('key', await chat({ 'x-api-key': secret }, 'from the bot'));
  return { owner, member, keyId, tokensOf };
}

describe('GET /api/v1/usage/breakdown', () => {
  it('breaks this period down per member, per API key and per model', async () => {
    const { owner, member, keyId, tokensOf } = await tenantWithUsage();
    const res = await t.inject({ method: 'GET', url: '/api/v1/usage/breakdown', headers: owner.auth });
    expect(res.statusCode).toBe(200);
    const b = res.json<Breakdown>();
    const today = new Date().toISOString().slice(0, 10);
    expect(b.from).toBe(`${today.slice(0, 7)}-01`);
    expect(b.to).toBe(today);
    const tokens = (row: { promptTokens: number; completionTokens: number }) => row.promptTokens + row.completionTokens;
    expect(b.members.map((m) => ({ userId: m.userId, email: m.email, messages: m.messages, tokens: tokens(m) })).sort((x, y) => x.messages - y.messages)).toEqual([
      { userId: owner.id, email: owner.email, messages: 1, tokens: tokensOf.owner },
      { userId: member.id, email: member.email, messages: 2, tokens: tokensOf.member },
    ]);
    expect(b.apiKeys).toEqual([expect.objectContaining({ apiKeyId: keyId, name: 'ci bot', messages: 1 })]);
    expect(b.models).toEqual([expect.objectContaining({ model: 'mock-1', messages: 4 })]);
    expect(b.totals).toMatchObject({ messages: 4, promptTokens: expect.any(Number) });
    expect(tokens(b.totals)).toBe(tokensOf.owner! + tokensOf.member! + tokensOf.key!);
    expect(b.widget).toEqual({ messages: 0, promptTokens: 0, completionTokens: 0 });
  });

  it("shows the tenant's own usage only", async () => {
    await tenantWithUsage();
    const other = await t.makeTenant();
    const admin = await t.makeMember(other.id, 'admin');
    const b = (await t.inject({ method: 'GET', url: '/api/v1/usage/breakdown', headers: admin.auth })).json<Breakdown>();
    expect(b).toMatchObject({ members: [], apiKeys: [], models: [], totals: { messages: 0 } });
  });

  it('takes a range of days, and an empty range is empty', async () => {
    const { owner } = await tenantWithUsage();
    const res = await t.inject({ method: 'GET', url: '/api/v1/usage/breakdown?from=2020-01-01&to=2020-01-31', headers: owner.auth });
    expect(res.json<Breakdown>()).toMatchObject({ from: '2020-01-01', to: '2020-01-31', members: [], totals: { messages: 0 } });
    expectProblem(await t.inject({ method: 'GET', url: '/api/v1/usage/breakdown?from=2020-02-01&to=2020-01-31', headers: owner.auth }), 400, 'validation_failed');
    expectProblem(await t.inject({ method: 'GET', url: '/api/v1/usage/breakdown?from=2020-01-01&to=2022-01-01', headers: owner.auth }), 400, 'validation_failed');
    expectProblem(await t.inject({ method: 'GET', url: '/api/v1/usage/breakdown?from=yesterday', headers: owner.auth }), 400, 'validation_failed');
  });

  it('is for those who manage members: not members, not the billing role', async () => {
    const tenant = await t.makeTenant();
    for (const role of ['member', 'billing'] as const) {
      const who = await t.makeMember(tenant.id, role);
      expectProblem(await t.inject({ method: 'GET', url: '/api/v1/usage/breakdown', headers: who.auth }), 403, 'forbidden');
    }
  });
});
