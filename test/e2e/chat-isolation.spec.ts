import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ChatModule } from '../../src/modules/chat/chat.module.js';
import { createTestApp, expectProblem, type TestApp, type TestMember, type TestTenant } from '../support/http-app.js';

/**
 * Tenant isolation of chat: tenant A's admin (who sees every conversation of A) can neither read nor
 * write tenant B's conversations or assistant through any route. Every attempt answers exactly like
 * a conversation that does not exist (404), and B's data is unchanged afterwards.
 */

let t: TestApp;
let a: { tenant: TestTenant; admin: TestMember };
let b: { tenant: TestTenant; admin: TestMember; conversation: string };

beforeAll(async () => {
  t = await createTestApp({ imports: [ChatModule] });
  const tenantA = await t.makeTenant();
  const tenantB = await t.makeTenant();
  a = { tenant: tenantA, admin: await t.makeMember(tenantA.id, 'owner') };
  const adminB = await t.makeMember(tenantB.id, 'owner');
  await t.inject({ method: 'PATCH', url: '/api/v1/assistant', headers: adminB.auth, payload: { welcomeMessage: 'B only', model: 'mock-3' } });
  const conversation = (await t.inject({ method: 'POST', url: '/api/v1/conversations', headers: adminB.auth })).json<{ id: string }>().id;
  await t.inject({ method: 'POST', url: `/api/v1/conversations/${conversation}/messages`, headers: adminB.auth, payload: { content: 'B secret' } });
  b = { tenant: tenantB, admin: adminB, conversation };
});
afterAll(async () => {
  await t?.close();
});

/** Everything of B's chat, read through the owner connection. */
async function snapshotOfB() {
  const q = (sql: string) => t.owner.query(sql, [b.tenant.id]).then((r) => r.rows);
  return {
    conversations: await q('select id, title, updated_at from conversations where tenant_id = $1 order by id'),
    messages: await q('select id, role, content, status from messages where tenant_id = $1 order by created_at, id'),
    assistant: await q('select model, welcome_message, updated_at from assistant_configs where tenant_id = $1'),
    usage: await q("select metric, used, reserved from usage_counters where tenant_id = $1 and metric <> 'api_calls' order by metric"), // api_calls: written asynchronously
  };
}

describe("tenant A's owner against tenant B's conversation", () => {
  const routes: Array<[string, () => Promise<import('fastify').LightMyRequestResponse>]> = [
    ['GET messages', () => t.inject({ method: 'GET', url: `/api/v1/conversations/${b.conversation}/messages`, headers: a.admin.auth })],
    [
      'POST a message (JSON)',
      () => t.inject({ method: 'POST', url: `/api/v1/conversations/${b.conversation}/messages`, headers: a.admin.auth, payload: { content: 'hi' } }),
    ],
    [
      'POST a message (SSE)',
      () =>
        t.inject({
          method: 'POST',
          url: `/api/v1/conversations/${b.conversation}/messages`,
          headers: { ...a.admin.auth, accept: 'text/event-stream' },
          payload: { content: 'hi' },
        }),
    ],
    ['DELETE it', () => t.inject({ method: 'DELETE', url: `/api/v1/conversations/${b.conversation}`, headers: a.admin.auth })],
  ];

  it.each(routes)('%s: 404 conversation_not_found, and nothing of B changes', async (_route, send) => {
    const before = await snapshotOfB();

    expectProblem(await send(), 404, 'conversation_not_found');

    expect(await snapshotOfB()).toEqual(before);
  });

  it('leaves no trace in A either (no message, no usage reserved)', async () => {
    await routes[1]![1]();

    expect((await t.owner.query('select 1 from messages where tenant_id = $1', [a.tenant.id])).rowCount).toBe(0);
    expect((await t.owner.query("select 1 from usage_counters where tenant_id = $1 and metric <> 'api_calls' and (used > 0 or reserved > 0)", [a.tenant.id])).rowCount).toBe(0);
  });

  it("never lists B's conversations", async () => {
    const mine = (await t.inject({ method: 'POST', url: '/api/v1/conversations', headers: a.admin.auth })).json<{ id: string }>().id;

    const listed = (await t.inject({ method: 'GET', url: '/api/v1/conversations', headers: a.admin.auth })).json<{ data: Array<{ id: string }> }>();

    expect(listed.data.map((c) => c.id)).toEqual([mine]);
  });

  it("reads and changes only its own assistant, and cannot publish B's prompt versions", async () => {
    await t.inject({ method: 'POST', url: '/api/v1/assistant/prompts', headers: b.admin.auth, payload: { template: 'B prompt' } });
    const before = await snapshotOfB();

    expect((await t.inject({ method: 'GET', url: '/api/v1/assistant', headers: a.admin.auth })).json()).toMatchObject({ welcomeMessage: 'Hello! How can I help?' });
    expect((await t.inject({ method: 'PATCH', url: '/api/v1/assistant', headers: a.admin.auth, payload: { model: 'mock-2' } })).statusCode).toBe(200);
    expectProblem(await t.inject({ method: 'POST', url: '/api/v1/assistant/prompts/1/publish', headers: a.admin.auth }), 404, 'prompt_not_found');
    const aPrompts = await t.inject({ method: 'GET', url: '/api/v1/assistant/prompts', headers: a.admin.auth });

    expect(aPrompts.json()).toEqual({ data: [], nextCursor: null });
    expect(await snapshotOfB()).toEqual(before);
  });

  it("B's own owner still reads it (the 404s above were isolation, not absence)", async () => {
    const res = await t.inject({ method: 'GET', url: `/api/v1/conversations/${b.conversation}/messages`, headers: b.admin.auth });

    expect(res.statusCode).toBe(200);
    expect(res.json<{ data: Array<{ content: string }> }>().data.map((m) => m.content)).toEqual([
      'B secret',
      "B only [INITECH MOCK] Got it. 'B secret'. (pretend-smart summary).",
    ]);
  });
});
