import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ChatModule } from '../../src/modules/chat/chat.module.js';
import { createTestApp, expectProblem, type TestApp, type TestMember, type TestTenant } from '../support/http-app.js';

/**
 * The conversations API with the built-in models: start, post (JSON), read, list, delete; token
 * counts per message; content rules; who sees which conversation inside one tenant.
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ imports: [ChatModule], env: { MAX_MESSAGE_CHARS: '40' } });
});
afterAll(async () => {
  await t?.close();
});

interface Reply {
  reply: string;
  model: string;
  mock: boolean;
  messageId: string;
  message: { id: string; role: string; status: string; content: string; promptTokens: number; completionTokens: number; model: string };
  usage: { promptTokens: number; completionTokens: number };
}

async function tenantWithAdmin(welcome?: string, model?: string): Promise<{ tenant: TestTenant; admin: TestMember }> {
  const tenant = await t.makeTenant();
  const admin = await t.makeMember(tenant.id, 'admin');
  if (welcome || model) {
    const res = await t.inject({ method: 'PATCH', url: '/api/v1/assistant', headers: admin.auth, payload: { welcomeMessage: welcome, model } });
    expect(res.statusCode).toBe(200);
  }
  return { tenant, admin };
}

async function start(member: TestMember): Promise<string> {
  const res = await t.inject({ method: 'POST', url: '/api/v1/conversations', headers: member.auth });
  expect(res.statusCode).toBe(201);
  return res.json<{ id: string }>().id;
}

const post = (member: TestMember, conversationId: string, content: unknown) =>
  t.inject({ method: 'POST', url: `/api/v1/conversations/${conversationId}/messages`, headers: member.auth, payload: { content } });

const rowsOf = async (conversationId: string) =>
  (
    await t.owner.query<{ role: string; content: string; status: string; prompt_tokens: number; completion_tokens: number }>(
      'select role, content, status, prompt_tokens, completion_tokens from messages where conversation_id = $1 order by created_at, id',
      [conversationId],
    )
  ).rows;

describe('POST /api/v1/conversations', () => {
  it("starts a conversation and returns its id with the assistant's welcome", async () => {
    const { admin } = await tenantWithAdmin('Howdy from Acme!');

    const res = await t.inject({ method: 'POST', url: '/api/v1/conversations', headers: admin.auth });

    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), welcome: 'Howdy from Acme!' });
    const { rows } = await t.owner.query('select channel, user_id from conversations where id = $1', [res.json<{ id: string }>().id]);
    expect(rows).toEqual([{ channel: 'api', user_id: admin.id }]);
  });

  it('uses the default welcome for a tenant that never configured its assistant', async () => {
    const tenant = await t.makeTenant();
    const member = await t.makeMember(tenant.id, 'member');

    const res = await t.inject({ method: 'POST', url: '/api/v1/conversations', headers: member.auth });

    expect(res.json()).toMatchObject({ welcome: 'Hello! How can I help?' });
  });

  it('needs authentication', async () => {
    expectProblem(await t.inject({ method: 'POST', url: '/api/v1/conversations' }), 401, 'unauthenticated');
  });
});

describe('POST /api/v1/conversations/:id/messages (JSON)', () => {
  it('answers with the built-in model, exactly as the seed demo, and stores both messages with token counts', async () => {
    const { admin } = await tenantWithAdmin('Howdy from Acme!', 'mock-1');
    const id = await start(admin);

    const res = await post(admin, id, '  hello world  ');

    expect(res.statusCode).toBe(200);
    const body = res.json<Reply>();
    expect(body).toEqual({
      reply: "Howdy from Acme! [ACME MOCK] You said: 'hello world'. Here's it reversed: 'dlrow olleh'",
      model: 'mock-1',
      mock: true,
      messageId: body.message.id,
      usage: { promptTokens: 3, completionTokens: 22 },
      message: {
        id: expect.any(String),
        conversationId: id,
        role: 'assistant',
        content: body.reply,
        status: 'complete',
        model: 'mock-1',
        promptTokens: 3,
        completionTokens: 22,
        error: null,
        createdAt: expect.any(String),
      },
    });
    expect(await rowsOf(id)).toEqual([
      { role: 'user', content: 'hello world', status: 'complete', prompt_tokens: 3, completion_tokens: 0 },
      { role: 'assistant', content: body.reply, status: 'complete', prompt_tokens: 3, completion_tokens: 22 },
    ]);
  });

  it.each([
    ['mock-2', 'Welcome from Globex.', 'Welcome from Globex. [GLOBEX MOCK] Echo: WHAT IS UP?'],
    ['mock-3', 'Initech says hi.', "Initech says hi. [INITECH MOCK] Got it. 'what is up?'. (pretend-smart summary)."],
  ])('%s answers as the seed demo', async (model, welcome, expected) => {
    const { admin } = await tenantWithAdmin(welcome, model);
    const id = await start(admin);

    const res = await post(admin, id, 'what is up?');

    expect(res.json<Reply>()).toMatchObject({ reply: expected, model, mock: true });
  });

  it.each<[string, unknown, string]>([
    ['empty', '', 'content'],
    ['only whitespace', ' \n\t ', 'content'],
    ['longer than MAX_MESSAGE_CHARS after trimming', `  ${'x'.repeat(41)}  `, 'content'],
    ['not a string', 42, 'content'],
    ['missing', undefined, 'content'],
  ])('refuses content that is %s with 400 naming the field, and stores nothing', async (_case, content, field) => {
    const { admin } = await tenantWithAdmin();
    const id = await start(admin);

    const res = await post(admin, id, content);

    const problem = expectProblem(res, 400, 'validation_failed');
    expect(problem.errors).toEqual([expect.objectContaining({ field })]);
    expect(await rowsOf(id)).toEqual([]);
  });

  it('accepts exactly MAX_MESSAGE_CHARS characters after trimming', async () => {
    const { admin } = await tenantWithAdmin();
    const id = await start(admin);

    expect((await post(admin, id, ` ${'y'.repeat(40)} `)).statusCode).toBe(200);
  });

  it('refuses unknown body fields', async () => {
    const { admin } = await tenantWithAdmin();
    const id = await start(admin);

    const res = await t.inject({ method: 'POST', url: `/api/v1/conversations/${id}/messages`, headers: admin.auth, payload: { content: 'hi', role: 'assistant' } });

    expectProblem(res, 400, 'validation_failed');
  });

  it('answers 404 conversation_not_found for an unknown id, and 400 for a malformed one', async () => {
    const { admin } = await tenantWithAdmin();

    expectProblem(await post(admin, '3f1e9a7c-0b4d-4e2f-9a61-7c5d3b2e1f00', 'hi'), 404, 'conversation_not_found');
    expectProblem(await post(admin, 'not-a-uuid', 'hi'), 400, 'validation_failed');
  });
});

describe('GET /api/v1/conversations/:id/messages', () => {
  it('lists the messages oldest first, a page at a time', async () => {
    const { admin } = await tenantWithAdmin('W');
    const id = await start(admin);
    await post(admin, id, 'one');
    await post(admin, id, 'two');

    const all = await t.inject({ method: 'GET', url: `/api/v1/conversations/${id}/messages`, headers: admin.auth });
    expect(all.statusCode).toBe(200);
    const messages = all.json<{ data: Array<{ role: string; content: string }>; nextCursor: string | null }>();
    expect(messages.data.map((m) => [m.role, m.content])).toEqual([
      ['user', 'one'],
      ['assistant', "W [ACME MOCK] You said: 'one'. Here's it reversed: 'eno'"],
      ['user', 'two'],
      ['assistant', "W [ACME MOCK] You said: 'two'. Here's it reversed: 'owt'"],
    ]);
    expect(messages.nextCursor).toBeNull();

    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await t.inject({
        method: 'GET',
        url: `/api/v1/conversations/${id}/messages?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        headers: admin.auth,
      });
      const page = res.json<{ data: Array<{ content: string }>; nextCursor: string | null }>();
      pages.push(page.data.map((m) => m.content).join(' | '));
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages).toHaveLength(2);
    expect(pages.join(' | ')).toBe(messages.data.map((m) => m.content).join(' | '));
  });

  it('refuses a cursor that is not one', async () => {
    const { admin } = await tenantWithAdmin();
    const id = await start(admin);

    expectProblem(await t.inject({ method: 'GET', url: `/api/v1/conversations/${id}/messages?cursor=garbage`, headers: admin.auth }), 400, 'invalid_cursor');
  });
});

describe('GET /api/v1/conversations', () => {
  it('lists the most recently active first, titled by their first message, a page at a time', async () => {
    const { admin } = await tenantWithAdmin();
    const first = await start(admin);
    const second = await start(admin);
    const third = await start(admin);
    await post(admin, second, 'about   shipping\ntimes');
    await post(admin, first, 'refund please');

    const res = await t.inject({ method: 'GET', url: '/api/v1/conversations?limit=2', headers: admin.auth });
    const page1 = res.json<{ data: Array<{ id: string; title: string | null; channel: string }>; nextCursor: string }>();
    const res2 = await t.inject({ method: 'GET', url: `/api/v1/conversations?limit=2&cursor=${page1.nextCursor}`, headers: admin.auth });
    const page2 = res2.json<{ data: Array<{ id: string; title: string | null }>; nextCursor: string | null }>();

    expect([...page1.data, ...page2.data].map((c) => [c.id, c.title])).toEqual([
      [first, 'refund please'],
      [second, 'about shipping times'],
      [third, null],
    ]);
    expect(page2.nextCursor).toBeNull();
  });

  it("shows a member only their own conversations, and an admin everyone's", async () => {
    const { tenant, admin } = await tenantWithAdmin();
    const alice = await t.makeMember(tenant.id, 'member');
    const bob = await t.makeMember(tenant.id, 'member');
    const aliceChat = await start(alice);
    const bobChat = await start(bob);
    const adminChat = await start(admin);

    const idsSeenBy = async (member: TestMember) =>
      (await t.inject({ method: 'GET', url: '/api/v1/conversations', headers: member.auth })).json<{ data: Array<{ id: string }> }>().data.map((c) => c.id);

    expect(await idsSeenBy(alice)).toEqual([aliceChat]);
    expect(await idsSeenBy(bob)).toEqual([bobChat]);
    expect(new Set(await idsSeenBy(admin))).toEqual(new Set([aliceChat, bobChat, adminChat]));
  });

  it("gives a member 404 on another member's conversation, through every route, and changes nothing", async () => {
    const { tenant, admin } = await tenantWithAdmin();
    const alice = await t.makeMember(tenant.id, 'member');
    const bob = await t.makeMember(tenant.id, 'member');
    const aliceChat = await start(alice);
    await post(alice, aliceChat, 'private');

    expectProblem(await t.inject({ method: 'GET', url: `/api/v1/conversations/${aliceChat}/messages`, headers: bob.auth }), 404, 'conversation_not_found');
    expectProblem(await post(bob, aliceChat, 'let me in'), 404, 'conversation_not_found');
    expectProblem(await t.inject({ method: 'DELETE', url: `/api/v1/conversations/${aliceChat}`, headers: bob.auth }), 404, 'conversation_not_found');

    expect((await rowsOf(aliceChat)).map((r) => r.content)).toEqual(['private', expect.stringContaining("You said: 'private'")]);
    // Admins oversee the tenant's conversations.
    expect((await t.inject({ method: 'GET', url: `/api/v1/conversations/${aliceChat}/messages`, headers: admin.auth })).statusCode).toBe(200);
  });

  it('filters by channel', async () => {
    const { tenant, admin } = await tenantWithAdmin();
    const apiChat = await start(admin);
    const { rows } = await t.owner.query<{ id: string }>("insert into conversations (tenant_id, channel) values ($1, 'widget') returning id", [tenant.id]);

    const ids = async (channel: string) =>
      (await t.inject({ method: 'GET', url: `/api/v1/conversations?channel=${channel}`, headers: admin.auth })).json<{ data: Array<{ id: string }> }>().data.map((c) => c.id);

    expect(await ids('api')).toEqual([apiChat]);
    expect(await ids('widget')).toEqual([rows[0]!.id]);
  });
});

describe('DELETE /api/v1/conversations/:id', () => {
  it('deletes the conversation with its messages (204), after which it is 404', async () => {
    const { admin } = await tenantWithAdmin();
    const id = await start(admin);
    await post(admin, id, 'bye');

    const res = await t.inject({ method: 'DELETE', url: `/api/v1/conversations/${id}`, headers: admin.auth });

    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect(await rowsOf(id)).toEqual([]);
    expectProblem(await t.inject({ method: 'GET', url: `/api/v1/conversations/${id}/messages`, headers: admin.auth }), 404, 'conversation_not_found');
    expectProblem(await t.inject({ method: 'DELETE', url: `/api/v1/conversations/${id}`, headers: admin.auth }), 404, 'conversation_not_found');
  });
});
