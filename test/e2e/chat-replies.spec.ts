import { request as httpRequest, type ClientRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/bootstrap.js';
import { SHUTDOWN_INTERRUPTED } from '../../src/modules/chat/conversations/chat.service.js';
import { FAKE_PROVIDER_ENV, type FakeOpenAi, startFakeOpenAi } from '../support/fake-openai.js';
import { createTestApp, expectProblem, type TestApp, type TestMember } from '../support/http-app.js';
import { modelUsageOf } from '../support/usage.js';

/**
 * Replies that survive their HTTP request (docs/adr/0016): a reply keeps being generated when its
 * client goes away; any instance can re-attach to it (the whole text so far, then the rest); stop
 * aborts it wherever it runs; the last reply can be regenerated; shutdown stores what still runs
 * as failed and releases its reservation.
 */

let t: TestApp;
let fake: FakeOpenAi;
let port: number;
beforeAll(async () => {
  fake = await startFakeOpenAi();
  t = await createTestApp({ env: { ...FAKE_PROVIDER_ENV, PROVIDER_MAX_RETRIES: '0' } });
  await t.app.listen(0, '127.0.0.1');
  port = (t.app.getHttpServer().address() as AddressInfo).port;
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});
beforeEach(() => {
  fake.requests.length = 0;
});

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** An event stream read from a real socket, event by event; `close` hangs up. */
interface OpenStream {
  headers: Record<string, string | string[] | undefined>;
  /** Resolves with the events received once `predicate` holds for them. */
  until(predicate: (events: SseEvent[]) => boolean): Promise<SseEvent[]>;
  /** Resolves with every event once the server ends the stream. */
  ended: Promise<SseEvent[]>;
  close(): void;
}

function openStream(onPort: number, method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: unknown): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const events: SseEvent[] = [];
    const waiters: Array<{ predicate: (e: SseEvent[]) => boolean; resolve: (e: SseEvent[]) => void }> = [];
    let endResolve!: (e: SseEvent[]) => void;
    const ended = new Promise<SseEvent[]>((r) => (endResolve = r));
    const check = (): void => {
      for (const w of [...waiters]) {
        if (w.predicate(events)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve([...events]);
        }
      }
    };
    const req: ClientRequest = httpRequest(
      { host: '127.0.0.1', port: onPort, method, path, headers: { ...headers, accept: 'text/event-stream', ...(body ? { 'content-type': 'application/json' } : {}) } },
      (res) => {
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let at: number;
          while ((at = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, at);
            buffer = buffer.slice(at + 2);
            if (block.startsWith(':') || block.trim() === '') continue;
            const lines = block.split('\n');
            const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
            const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
            events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
          }
          check();
        });
        res.on('end', () => endResolve([...events]));
        res.on('close', () => endResolve([...events]));
        resolve({
          headers: res.headers,
          until: (predicate) => new Promise((r) => (predicate(events) ? r([...events]) : waiters.push({ predicate, resolve: r }))),
          ended,
          close: () => req.destroy(),
        });
      },
    );
    req.on('error', () => undefined);
    req.on('close', () => endResolve([...events]));
    req.end(body ? JSON.stringify(body) : undefined);
    req.on('error', reject);
  });
}

const text = (events: SseEvent[]): string => events.filter((e) => e.event === 'delta').map((e) => String(e.data.text)).join('');
const hasFinal = (events: SseEvent[]): boolean => events.some((e) => e.event !== 'delta');

async function member(app: TestApp = t, provider: 'builtin' | 'openai' = 'openai'): Promise<{ tenantId: string; admin: TestMember }> {
  const tenant = await app.makeTenant();
  const admin = await app.makeMember(tenant.id, 'admin');
  const payload = provider === 'builtin' ? { model: 'mock-1', welcomeMessage: 'Hi.' } : { provider: 'openai_compatible', model: 'm', baseUrl: fake.baseUrl };
  expect((await app.inject({ method: 'PATCH', url: '/api/v1/assistant', headers: admin.auth, payload })).statusCode).toBe(200);
  return { tenantId: tenant.id, admin };
}

const startConversation = async (who: TestMember, app: TestApp = t): Promise<string> =>
  (await app.inject({ method: 'POST', url: '/api/v1/conversations', headers: who.auth })).json<{ id: string }>().id;

const rowOf = async (messageId: string, app: TestApp = t) =>
  (
    await app.owner.query<{ content: string; status: string; error: string | null; completion_tokens: number }>(
      'select content, status, error, completion_tokens from messages where id = $1',
      [messageId],
    )
  ).rows[0];

/** A gated reply: its first delta goes out, the rest once `release` is called. */
function gated(reply: string): { release: () => void } {
  let release!: () => void;
  const midGate = new Promise<void>((resolve) => (release = resolve));
  fake.enqueue({ kind: 'ok', text: reply, midGate });
  return { release };
}

describe('a reply outlives its request', () => {
  it('names its message in X-Message-Id; re-attached mid-reply, a client gets the whole text, then the rest, then done', async () => {
    const { admin } = await member();
    const id = await startConversation(admin);
    const { release } = gated('One two three four five.');
    const first = await openStream(port, 'POST', `/api/v1/conversations/${id}/messages`, admin.auth, { content: 'count' });
    const messageId = String(first.headers['x-message-id']);
    expect(messageId).toMatch(/^[0-9a-f-]{36}$/);
    await first.until((e) => e.length >= 1);
    first.close(); // the page reloads

    const again = await openStream(port, 'GET', `/api/v1/conversations/${id}/messages/${messageId}/stream`, admin.auth);
    expect(again.headers['x-message-id']).toBe(messageId);
    expect(text(await again.until((e) => text(e) === 'One '))).toBe('One ');
    release();
    const events = await again.ended;
    expect(text(events)).toBe('One two three four five.');
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { messageId, reply: 'One two three four five.' } });
    expect(await rowOf(messageId)).toMatchObject({ status: 'complete', content: 'One two three four five.' });
  });

  it('stores the text so far while the reply runs, for a page that lists the messages', async () => {
    const { admin } = await member();
    const id = await startConversation(admin);
    const { release } = gated('Stored while running.');
    const stream = await openStream(port, 'POST', `/api/v1/conversations/${id}/messages`, admin.auth, { content: 'go' });
    const messageId = String(stream.headers['x-message-id']);
    await stream.until((e) => e.length >= 1);
    // CHAT_REPLY_FLUSH_MS (1 s) after the start at most, the first delta is stored; the reply is still pending.
    for (let i = 0; i < 400 && (await rowOf(messageId))!.content === ''; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await rowOf(messageId)).toMatchObject({ status: 'pending', content: 'Stored ' });
    const listed = await t.inject({ method: 'GET', url: `/api/v1/conversations/${id}/messages`, headers: admin.auth });
    expect(listed.json<{ data: Array<{ id: string; status: string; content: string }> }>().data.find((m) => m.id === messageId)).toMatchObject({
      status: 'pending',
      content: 'Stored ',
    });
    release();
    expect((await stream.ended).at(-1)!.event).toBe('done');
  });

  it('re-attached after the end, a client gets the whole reply at once', async () => {
    const { admin } = await member(t, 'builtin');
    const id = await startConversation(admin);
    const res = await t.inject({ method: 'POST', url: `/api/v1/conversations/${id}/messages`, headers: admin.auth, payload: { content: 'abc' } });
    const { messageId, reply } = res.json<{ messageId: string; reply: string }>();
    const again = await t.inject({ method: 'GET', url: `/api/v1/conversations/${id}/messages/${messageId}/stream`, headers: { ...admin.auth, accept: 'text/event-stream' } });
    expect(again.statusCode).toBe(200);
    expect(again.body).toContain(`event: delta\ndata: ${JSON.stringify({ text: reply })}`);
    expect(again.body).toContain('event: done');
  });

  it('answers 404 for another conversation, a user message, or someone else', async () => {
    const { admin, tenantId } = await member(t, 'builtin');
    const id = await startConversation(admin);
    const other = await startConversation(admin);
    const res = await t.inject({ method: 'POST', url: `/api/v1/conversations/${id}/messages`, headers: admin.auth, payload: { content: 'abc' } });
    const { messageId } = res.json<{ messageId: string }>();
    const stranger = await t.makeMember(tenantId, 'member');
    const path = (conversation: string, message: string) => `/api/v1/conversations/${conversation}/messages/${message}/stream`;
    expectProblem(await t.inject({ method: 'GET', url: path(other, messageId), headers: admin.auth }), 404, 'message_not_found');
    expectProblem(await t.inject({ method: 'GET', url: path(id, messageId), headers: stranger.auth }), 404, 'conversation_not_found');
    const userMessage = (await t.owner.query<{ id: string }>("select id from messages where conversation_id = $1 and role = 'user'", [id])).rows[0]!.id;
    expectProblem(await t.inject({ method: 'POST', url: `/api/v1/conversations/${id}/messages/${userMessage}/stop`, headers: admin.auth }), 404, 'message_not_found');
  });
});

describe('stop', () => {
  it('from a second instance aborts the reply where it runs; it is stored as stopped with its partial text, the tokens produced metered', async () => {
    const { admin, tenantId } = await member();
    const id = await startConversation(admin);
    gated('Partial text that never comes.'); // never released: only the stop ends it
    const stream = await openStream(port, 'POST', `/api/v1/conversations/${id}/messages`, admin.auth, { content: 'go on' });
    const messageId = String(stream.headers['x-message-id']);
    await stream.until((e) => e.length >= 1);

    const second: NestFastifyApplication = await createApp(t.config);
    await second.init();
    await second.getHttpAdapter().getInstance().ready();
    try {
      const res = await second.getHttpAdapter().getInstance().inject({ method: 'POST', url: `/api/v1/conversations/${id}/messages/${messageId}/stop`, headers: admin.auth });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: messageId, status: 'stopped', content: 'Partial ', error: null });
    } finally {
      await second.close();
    }
    await fake.requests[0]!.closed; // the abort reached the provider
    const events = await stream.ended;
    expect(events.map((e) => e.event)).toEqual(['delta', 'stopped']);
    expect(events[1]!.data).toMatchObject({ messageId, reply: 'Partial ' });
    expect(await rowOf(messageId)).toMatchObject({ status: 'stopped', content: 'Partial ', completion_tokens: 2 });
    const usage = await modelUsageOf(t.owner, tenantId);
    expect(usage.messages).toEqual({ used: 1, reserved: 0 });
    expect(usage.tokens!.reserved).toBe(0);
  });

  it('of a reply that has ended answers it as it is', async () => {
    const { admin } = await member(t, 'builtin');
    const id = await startConversation(admin);
    const { messageId } = (await t.inject({ method: 'POST', url: `/api/v1/conversations/${id}/messages`, headers: admin.auth, payload: { content: 'x' } })).json<{ messageId: string }>();
    const res = await t.inject({ method: 'POST', url: `/api/v1/conversations/${id}/messages/${messageId}/stop`, headers: admin.auth });
    expect(res.json()).toMatchObject({ id: messageId, status: 'complete' });
  });
});

describe('regenerate', () => {
  it("replaces the last reply with a new answer to the same question, with its own usage", async () => {
    const { admin, tenantId } = await member(t, 'builtin');
    const id = await startConversation(admin);
    const first = (await t.inject({ method: 'POST', url: `/api/v1/conversations/${id}/messages`, headers: admin.auth, payload: { content: 'hello' } })).json<{ messageId: string; reply: string }>();
    const res = await t.inject({ method: 'POST', url: `/api/v1/conversations/${id}/messages/${first.messageId}/regenerate`, headers: admin.auth });
    expect(res.statusCode).toBe(200);
    const again = res.json<{ messageId: string; reply: string; message: { status: string } }>();
    expect(again.messageId).not.toBe(first.messageId);
    expect(again.reply).toBe(first.reply);
    const rows = (await t.owner.query<{ id: string; role: string }>('select id, role from messages where conversation_id = $1 order by created_at, id', [id])).rows;
    expect(rows.map((r) => r.role)).toEqual(['user', 'assistant']);
    expect(rows[1]!.id).toBe(again.messageId);
    expect((await modelUsageOf(t.owner, tenantId)).messages).toEqual({ used: 2, reserved: 0 });
  });

  it('streams like sending a message, and retries a failed reply', async () => {
    const { admin } = await member();
    const id = await startConversation(admin);
    fake.enqueue({ kind: 'status', status: 400 });
    const failed = await t.inject({ method: 'POST', url: `/api/v1/conversations/${id}/messages`, headers: admin.auth, payload: { content: 'again' } });
    const messageId = String(expectProblem(failed, 502, 'provider_failed').messageId);
    fake.enqueue({ kind: 'ok', text: 'Second try.' });
    const stream = await openStream(port, 'POST', `/api/v1/conversations/${id}/messages/${messageId}/regenerate`, admin.auth);
    const events = await stream.ended;
    expect(text(events)).toBe('Second try.');
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { messageId: stream.headers['x-message-id'] } });
  });

  it('refuses a reply that is not the last one (409 not_last_reply)', async () => {
    const { admin } = await member(t, 'builtin');
    const id = await startConversation(admin);
    const first = (await t.inject({ method: 'POST', url: `/api/v1/conversations/${id}/messages`, headers: admin.auth, payload: { content: 'one' } })).json<{ messageId: string }>();
    await t.inject({ method: 'POST', url: `/api/v1/conversations/${id}/messages`, headers: admin.auth, payload: { content: 'two' } });
    expectProblem(await t.inject({ method: 'POST', url: `/api/v1/conversations/${id}/messages/${first.messageId}/regenerate`, headers: admin.auth }), 409, 'not_last_reply');
  });

  it('refuses a reply still in progress (409 reply_in_progress)', async () => {
    const { admin } = await member();
    const id = await startConversation(admin);
    const { release } = gated('Still going.');
    const stream = await openStream(port, 'POST', `/api/v1/conversations/${id}/messages`, admin.auth, { content: 'go' });
    await stream.until((e) => e.length >= 1);
    const messageId = String(stream.headers['x-message-id']);
    expectProblem(await t.inject({ method: 'POST', url: `/api/v1/conversations/${id}/messages/${messageId}/regenerate`, headers: admin.auth }), 409, 'reply_in_progress');
    release();
    expect(hasFinal(await stream.ended)).toBe(true);
  });
});

describe('shutdown', () => {
  it('aborts replies still running at the end of the grace period: stored as failed, reservation released, before the app has closed', async () => {
    const app = await createTestApp({ env: { ...FAKE_PROVIDER_ENV, PROVIDER_MAX_RETRIES: '0', SHUTDOWN_GRACE_MS: '1000' } });
    try {
      await app.app.listen(0, '127.0.0.1');
      const appPort = (app.app.getHttpServer().address() as AddressInfo).port;
      const { admin, tenantId } = await member(app);
      const id = await startConversation(admin, app);
      gated('Never finished.'); // never released
      const stream = await openStream(appPort, 'POST', `/api/v1/conversations/${id}/messages`, admin.auth, { content: 'long one' });
      const messageId = String(stream.headers['x-message-id']);
      await stream.until((e) => e.length >= 1);

      await app.app.close(); // what SIGTERM does (main.ts)

      expect(await rowOf(messageId, app)).toMatchObject({ status: 'failed', content: 'Never ', error: SHUTDOWN_INTERRUPTED });
      expect(await modelUsageOf(app.owner, tenantId)).toEqual({ messages: { used: 0, reserved: 0 }, tokens: { used: 0, reserved: 0 } });
      const { rows } = await app.owner.query('select count(*)::int as n from usage_reservations where tenant_id = $1', [tenantId]);
      expect(rows[0]).toEqual({ n: 0 });
      const events = await stream.ended;
      expect(events.at(-1)).toMatchObject({ event: 'error', data: { code: 'provider_failed' } });
    } finally {
      await app.close();
    }
  });
});
