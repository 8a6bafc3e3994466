import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { LightMyRequestResponse } from 'fastify';
import { createApp } from '../../src/bootstrap.js';
import { WidgetModule } from '../../src/modules/chat/widget/widget.module.js';
import { WidgetSessionIds } from '../../src/modules/chat/widget/session-id.js';
import { TenantContext } from '../../src/platform/context/tenant-context.js';
import { compactUuid } from '../../src/platform/crypto/tokens.js';
import { TenantDb } from '../../src/platform/db/tenant-db.js';
import { bearer, createTestApp, type TestApp, type TestTenant } from '../support/http-app.js';

/**
 * The seed demo's widget API (POST /session, POST /chat): tenants, sessions stored in Postgres
 * under RLS, isolation between tenants, errors in the demo's `{"detail": ...}` shape, and the
 * per-tenant chat limit shared by every server instance. Each test makes its own tenants.
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ imports: [WidgetModule], env: { MAX_MESSAGE_CHARS: '50' } });
});
afterAll(async () => {
  await t?.close();
});

interface WidgetTenantInput {
  welcome?: string;
  model?: string;
  chatPer10s?: number;
  widgetEnabled?: boolean;
  /** false: no assistant_configs row at all (the defaults apply: widget off). */
  configured?: boolean;
}

/** A tenant with its assistant (as `npm run tenants:import` leaves it), written through the owner connection. */
async function widgetTenant(input: WidgetTenantInput = {}): Promise<TestTenant> {
  const tenant = await t.makeTenant();
  if (input.chatPer10s !== undefined) {
    await t.owner.query('update tenants set limit_overrides = $2 where id = $1', [tenant.id, { chat_per_10s: input.chatPer10s }]);
  }
  if (input.configured !== false) {
    await t.owner.query('insert into assistant_configs (tenant_id, model, welcome_message, widget_enabled) values ($1, $2, $3, $4)', [
      tenant.id,
      input.model ?? 'mock-2',
      input.welcome ?? `Hello from ${tenant.slug}.`,
      input.widgetEnabled ?? true,
    ]);
  }
  return tenant;
}

type Inject = TestApp['inject'];
const post = (url: string, payload: unknown, inject: Inject = t.inject) =>
  inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });

async function session(tenant: TestTenant, inject: Inject = t.inject): Promise<string> {
  const res = await post('/session', { tenant_id: tenant.slug }, inject);
  expect(res.statusCode).toBe(200);
  return res.json<{ session_id: string }>().session_id;
}

const chat = (tenant: { slug: string }, sessionId: string, message: unknown = 'hello', inject: Inject = t.inject) =>
  post('/chat', { tenant_id: tenant.slug, session_id: sessionId, message }, inject);

/** The demo's error shape, exactly: status and `{"detail": ...}` as JSON. */
function expectDetail(res: LightMyRequestResponse, status: number, detail: string | RegExp): void {
  expect({ status: res.statusCode, type: res.headers['content-type'], body: res.json() }).toEqual({
    status,
    type: expect.stringMatching(/^application\/json/),
    body: { detail: typeof detail === 'string' ? detail : expect.stringMatching(detail) },
  });
}

/** A session id the server would issue for that tenant (its MAC is right), naming no conversation yet. */
const mintSession = (tenantId: string) => t.app.get(WidgetSessionIds).issue(tenantId);

/** The canonical UUID form, as the seed demo's uuid4 prints; the widget's ids are version 8 (RFC 9562). */
const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function conversationsOf(tenantId: string) {
  return (await t.owner.query('select id, channel, user_id from conversations where tenant_id = $1 order by created_at', [tenantId])).rows;
}

async function messagesOf(tenantId: string) {
  return (
    await t.owner.query('select conversation_id, role, content, status, model from messages where tenant_id = $1 order by created_at, id', [tenantId])
  ).rows;
}

describe('POST /session', () => {
  it('starts a session: a widget conversation stored in Postgres, answered with the tenant and its welcome', async () => {
    const tenant = await widgetTenant({ welcome: 'Welcome aboard.' });

    const res = await post('/session', { tenant_id: tenant.slug });

    expect(res.statusCode).toBe(200);
    const body = res.json<{ session_id: string }>();
    expect(body).toEqual({ session_id: expect.any(String), tenant: { id: tenant.slug, name: tenant.name, welcome: 'Welcome aboard.' } });
    const [conversation, ...others] = await conversationsOf(tenant.id);
    expect(others).toEqual([]);
    expect(conversation).toEqual({ id: expect.any(String), channel: 'widget', user_id: null });
    expect(body.session_id).toBe(conversation.id);
  });

  it("issues the seed's format: a canonical UUID (version 8, RFC variant), a new one each time", async () => {
    const tenant = await widgetTenant();
    const ids = [await session(tenant), await session(tenant), await session(tenant)];

    for (const id of ids) {
      expect(id).toMatch(CANONICAL_UUID);
      expect({ version: id[14], variant: id[19] }).toEqual({ version: '8', variant: expect.stringMatching(/^[89ab]$/) });
    }
    expect(new Set(ids).size).toBe(3);
  });

  it.each([
    ['a slug no tenant has', async () => ({ slug: 'no-such-tenant-here', id: randomUUID() })],
    ['a tenant whose widget is disabled', () => widgetTenant({ widgetEnabled: false })],
    ['a tenant that never configured its assistant (widget off by default)', () => widgetTenant({ configured: false })],
    [
      'a suspended tenant',
      async () => {
        const tenant = await widgetTenant();
        await t.owner.query(`update tenants set status = 'suspended', suspended_at = now() where id = $1`, [tenant.id]);
        return tenant;
      },
    ],
  ])('answers 404 "Unknown tenant" for %s, and stores nothing', async (_case, make) => {
    const tenant = await make();

    expectDetail(await post('/session', { tenant_id: tenant.slug }), 404, 'Unknown tenant');

    expect(await conversationsOf(tenant.id)).toEqual([]);
  });

  it('validates its body like the demo: 422 with the field named', async () => {
    expectDetail(await post('/session', {}), 422, /^tenant_id: /);
    expectDetail(await post('/session', { tenant_id: 42 }), 422, /^tenant_id: /);
  });

  it('a body that is not JSON at all is refused before the route, by the platform: 400 problem+json, still with a `detail`', async () => {
    const res = await post('/session', '{"tenant_id": ');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'malformed_body', detail: 'The request body is not valid JSON' });
  });

  it('lives at the root, not under /api/v1, and needs no authentication', async () => {
    const tenant = await widgetTenant();
    expect((await post('/api/v1/session', { tenant_id: tenant.slug })).statusCode).toBe(404);
    expect((await post('/session', { tenant_id: tenant.slug })).statusCode).toBe(200);
  });
});

describe('POST /chat', () => {
  it("answers with the tenant's model, and stores the message and the reply in the session's conversation", async () => {
    const tenant = await widgetTenant({ welcome: 'Hi.', model: 'mock-1' });
    const sessionId = await session(tenant);

    const res = await chat(tenant, sessionId, ' abc ');

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      tenant_id: tenant.slug,
      session_id: sessionId,
      reply: "Hi. [ACME MOCK] You said: 'abc'. Here's it reversed: 'cba'",
      model: 'mock-1',
      mock: true,
    });
    const conversationId = sessionId;
    expect(await messagesOf(tenant.id)).toEqual([
      { conversation_id: conversationId, role: 'user', content: 'abc', status: 'complete', model: null },
      { conversation_id: conversationId, role: 'assistant', content: "Hi. [ACME MOCK] You said: 'abc'. Here's it reversed: 'cba'", status: 'complete', model: 'mock-1' },
    ]);
  });

  it('validates its body: 422 naming the field, and nothing is stored', async () => {
    const tenant = await widgetTenant();
    const sessionId = await session(tenant);

    expectDetail(await chat(tenant, sessionId, '   '), 422, 'message: must not be empty');
    expectDetail(await chat(tenant, sessionId, 'x'.repeat(51)), 422, 'message: must be at most 50 characters');
    expectDetail(await chat(tenant, sessionId, 7), 422, /^message: /);
    expectDetail(await post('/chat', { tenant_id: tenant.slug, message: 'hello' }), 422, /^session_id: /);

    expect(await messagesOf(tenant.id)).toEqual([]);
  });

  it('answers 404 "Unknown tenant" for an unknown slug', async () => {
    const tenant = await widgetTenant();
    const sessionId = await session(tenant);
    expectDetail(await chat({ slug: 'no-such-tenant-here' }, sessionId), 404, 'Unknown tenant');
  });

  it('answers 404 "Unknown session" for a malformed id, or one naming no conversation of the tenant', async () => {
    const tenant = await widgetTenant();

    expectDetail(await chat(tenant, 'not-a-session'), 404, 'Unknown session');
    expectDetail(await chat(tenant, mintSession(tenant.id)), 404, 'Unknown session');
    expect(await messagesOf(tenant.id)).toEqual([]);
  });

  it('answers 404 "Unknown session" for a UUID the widget never issues (another version) and for the old `<hex>.<hex>` ids', async () => {
    const tenant = await widgetTenant();
    const old = `${compactUuid(tenant.id)}.${compactUuid(randomUUID())}`;

    expectDetail(await chat(tenant, randomUUID()), 404, 'Unknown session');
    expectDetail(await chat(tenant, old), 404, 'Unknown session');
    expect(await messagesOf(tenant.id)).toEqual([]);
  });

  it("cannot reach a member's own API conversation in the same tenant (the widget acts as no user)", async () => {
    const tenant = await widgetTenant();
    const member = await t.makeMember(tenant.id, 'member');
    const started = await t.inject({ method: 'POST', url: '/api/v1/conversations', headers: member.auth });
    expect(started.statusCode).toBe(201);
    const apiConversation = started.json<{ id: string }>().id;

    expectDetail(await chat(tenant, apiConversation), 404, 'Unknown session');
    expect(await messagesOf(tenant.id)).toEqual([]);
  });

  it('stops answering when the tenant switches its widget off, even in a session started before', async () => {
    const tenant = await widgetTenant();
    const sessionId = await session(tenant);
    await t.owner.query('update assistant_configs set widget_enabled = false where tenant_id = $1', [tenant.id]);

    expectDetail(await chat(tenant, sessionId), 404, 'Unknown tenant');
    expect(await messagesOf(tenant.id)).toEqual([]);
  });
});

describe('isolation between tenants', () => {
  it('a session used with another tenant\'s id: 403 {"detail": "Session does not belong to tenant"}, nothing read or written', async () => {
    const [a, b] = [await widgetTenant(), await widgetTenant()];
    const bSession = await session(b);
    expect((await chat(b, bSession, 'for b only')).statusCode).toBe(200);
    const bMessages = await messagesOf(b.id);

    const res = await chat(a, bSession, 'from a');

    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ detail: 'Session does not belong to tenant' });
    expect(await messagesOf(b.id)).toEqual(bMessages);
    expect(await messagesOf(a.id)).toEqual([]);
    expect(await conversationsOf(a.id)).toEqual([]);
  });

  it('decides that from the session id alone: a session issued for a tenant that does not even exist is 403 too', async () => {
    const tenant = await widgetTenant();
    expectDetail(await chat(tenant, mintSession(randomUUID())), 403, 'Session does not belong to tenant');
  });

  it("reads nothing of the other tenant to say so: no statement runs as either tenant, none names the session's tenant", async () => {
    const [a, b] = [await widgetTenant(), await widgetTenant()];
    const bSession = await session(b);
    const aSession = await session(a); // a's slug is in memory now, as it is on a busy instance
    const ctx = t.app.get(TenantContext);
    const pool = t.app.get(TenantDb).pool;
    const seen: Array<{ tenantId: string | undefined; sql: string }> = [];
    const record = (args: unknown[]) => seen.push({ tenantId: ctx.current()?.tenantId, sql: JSON.stringify(args[0]) + JSON.stringify(args[1] ?? null) });
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
    const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
    const spies = [
      jest.spyOn(pool, 'query').mockImplementation(((...args: unknown[]) => (record(args), query(...args))) as never),
      jest.spyOn(pool, 'connect').mockImplementation(((...args: unknown[]) => (record(['connect']), connect(...args)))),
    ];
    const statementsOf = async (send: () => Promise<LightMyRequestResponse>) => {
      seen.length = 0;
      const res = await send();
      return { res, touching: seen.filter((s) => s.tenantId === a.id || s.tenantId === b.id || s.sql.includes(b.id)) };
    };
    try {
      const control = await statementsOf(() => chat(a, aSession, 'from a, in its own session'));
      expect(control.res.statusCode).toBe(200);
      expect(control.touching.length).toBeGreaterThan(0); // the spies do see the statements a request makes

      const crossed = await statementsOf(() => chat(a, bSession, 'from a'));

      expectDetail(crossed.res, 403, 'Session does not belong to tenant');
      expect(crossed.touching).toEqual([]);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it('and below that, RLS: a session id issued for tenant A whose conversation exists only in B finds nothing in A', async () => {
    const [a, b] = [await widgetTenant(), await widgetTenant()];
    const shared = mintSession(a.id);
    await t.owner.query("insert into conversations (tenant_id, id, channel, user_id) values ($1, $2, 'widget', null)", [b.id, shared]);
    await chat(b, await session(b), 'for b only');
    const bMessages = await messagesOf(b.id);

    expectDetail(await chat(a, shared, 'from a'), 404, 'Unknown session');

    expect(await messagesOf(b.id)).toEqual(bMessages);
    expect(await messagesOf(a.id)).toEqual([]);
  });

  it('a session id naming an API conversation started by no user (an API key) finds nothing: the widget reaches widget conversations only', async () => {
    const tenant = await widgetTenant();
    const apiConversation = mintSession(tenant.id);
    await t.owner.query("insert into conversations (tenant_id, id, channel, user_id) values ($1, $2, 'api', null)", [tenant.id, apiConversation]);

    expectDetail(await chat(tenant, apiConversation, 'sneaking in'), 404, 'Unknown session');

    expect(await messagesOf(tenant.id)).toEqual([]);
  });

  it("stores each tenant's sessions and messages under its own tenant id", async () => {
    const [a, b] = [await widgetTenant(), await widgetTenant()];
    const [aSession, bSession] = [await session(a), await session(b)];
    await chat(a, aSession, 'from a');
    await chat(b, bSession, 'from b');

    const rows = (
      await t.owner.query<{ tenant_id: string; content: string }>(
        `select tenant_id, content from messages where tenant_id = any($1) and role = 'user' order by content`,
        [[a.id, b.id]],
      )
    ).rows;
    expect(rows).toEqual([
      { tenant_id: a.id, content: 'from a' },
      { tenant_id: b.id, content: 'from b' },
    ]);
    expect((await conversationsOf(a.id)).map((c) => c.id)).toEqual([aSession]);
  });
});

describe("the tenant's chat limit (limits.chat_per_10s)", () => {
  it('allows chat_per_10s requests in 10 s; the next is 429 with Retry-After and RateLimit-* headers, and is not stored', async () => {
    const tenant = await widgetTenant({ chatPer10s: 4 });
    const sessionId = await session(tenant);

    const allowed = [];
    for (let i = 1; i <= 4; i++) allowed.push(await chat(tenant, sessionId, `message ${i}`));
    const refused = await chat(tenant, sessionId, 'message 5');

    expect(allowed.map((r) => [r.statusCode, r.headers['ratelimit-limit'], r.headers['ratelimit-remaining']])).toEqual([
      [200, '4', '3'],
      [200, '4', '2'],
      [200, '4', '1'],
      [200, '4', '0'],
    ]);
    expectDetail(refused, 429, 'Rate limit exceeded');
    const retryAfter = Number(refused.headers['retry-after']);
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 10).toBe(true);
    expect(refused.headers).toMatchObject({ 'ratelimit-limit': '4', 'ratelimit-remaining': '0', 'ratelimit-reset': String(retryAfter) });
    expect((await messagesOf(tenant.id)).filter((m) => m.role === 'user').map((m) => m.content)).toEqual([
      'message 1',
      'message 2',
      'message 3',
      'message 4',
    ]);
  });

  it('counts per tenant: one tenant at its limit does not slow another down', async () => {
    const [busy, quiet] = [await widgetTenant({ chatPer10s: 1 }), await widgetTenant({ chatPer10s: 1 })];
    const [busySession, quietSession] = [await session(busy), await session(quiet)];
    expect((await chat(busy, busySession)).statusCode).toBe(200);
    expect((await chat(busy, busySession)).statusCode).toBe(429);

    expect((await chat(quiet, quietSession)).statusCode).toBe(200);
  });

  it('is 10 per 10 s for a tenant without an override', async () => {
    const tenant = await widgetTenant();
    const sessionId = await session(tenant);
    const statuses = [];
    for (let i = 0; i < 11; i++) statuses.push((await chat(tenant, sessionId)).statusCode);
    expect(statuses).toEqual([...Array<number>(10).fill(200), 429]);
  });
});

describe('two server instances on the same database and Redis', () => {
  let second: NestFastifyApplication;
  let injectSecond: Inject;
  beforeAll(async () => {
    second = await createApp(t.config, { imports: [WidgetModule] });
    await second.init();
    const fastify = second.getHttpAdapter().getInstance();
    await fastify.ready();
    injectSecond = (opts) => fastify.inject(opts);
  });
  afterAll(async () => {
    await second?.close();
  });

  it('a session started on one instance is continued on the other (sessions live in Postgres, not in memory)', async () => {
    const tenant = await widgetTenant({ welcome: 'Hi.' });
    const sessionId = await session(tenant, t.inject);

    const res = await chat(tenant, sessionId, 'hello', injectSecond);

    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ reply: 'Hi. [GLOBEX MOCK] Echo: HELLO' });
  });

  it('share the limit: requests alternating between them get chat_per_10s answers in all', async () => {
    const tenant = await widgetTenant({ chatPer10s: 4 });
    const sessionId = await session(tenant);
    const instances = [t.inject, injectSecond];

    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await chat(tenant, sessionId, `m${i}`, instances[i % 2])).statusCode);

    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  });
});

describe('the widget and the API see the same conversations, each within its rights', () => {
  it("an admin of the tenant reads a widget session's messages through the API", async () => {
    const tenant = await widgetTenant({ welcome: 'Hi.' });
    const sessionId = await session(tenant);
    await chat(tenant, sessionId, 'hello');
    const admin = await t.makeMember(tenant.id, 'admin');

    const res = await t.inject({ method: 'GET', url: `/api/v1/conversations/${sessionId}/messages`, headers: admin.auth });

    expect(res.statusCode).toBe(200);
    expect(res.json<{ data: Array<{ role: string; content: string }> }>().data.map((m) => [m.role, m.content])).toEqual([
      ['user', 'hello'],
      ['assistant', 'Hi. [GLOBEX MOCK] Echo: HELLO'],
    ]);
  });

  it("another tenant's admin does not", async () => {
    const [tenant, other] = [await widgetTenant(), await widgetTenant()];
    const sessionId = await session(tenant);
    const { token } = await t.makeMember(other.id, 'admin');

    const res = await t.inject({ method: 'GET', url: `/api/v1/conversations/${sessionId}/messages`, headers: bearer(token) });

    expect(res.statusCode).toBe(404);
  });
});
