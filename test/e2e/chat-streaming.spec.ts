import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ChatModule } from '../../src/modules/chat/chat.module.js';
import { FAKE_PROVIDER_ENV, type FakeOpenAi, startFakeOpenAi } from '../support/fake-openai.js';
import { createTestApp, expectProblem, type TestApp, type TestMember } from '../support/http-app.js';
import { modelUsageOf } from '../support/usage.js';

/**
 * POST /api/v1/conversations/:id/messages as server-sent events (Accept: text/event-stream):
 * `delta` events, then `done` or `error`; the stored messages; and a client that hangs up.
 */

let t: TestApp;
let fake: FakeOpenAi;
beforeAll(async () => {
  fake = await startFakeOpenAi();
  t = await createTestApp({ imports: [ChatModule], env: { ...FAKE_PROVIDER_ENV, PROVIDER_MAX_RETRIES: '1' } });
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

/** Splits an event-stream body into its events (comments skipped). */
function parseEvents(body: string): SseEvent[] {
  return body
    .split('\n\n')
    .filter((block) => block.trim() !== '' && !block.startsWith(':'))
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))!.slice('event: '.length);
      const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice('data: '.length)).join('\n');
      return { event, data: JSON.parse(data) as Record<string, unknown> };
    });
}

async function member(provider: 'builtin' | 'openai' = 'builtin'): Promise<{ tenantId: string; admin: TestMember }> {
  const tenant = await t.makeTenant();
  const admin = await t.makeMember(tenant.id, 'admin');
  const payload =
    provider === 'builtin' ? { model: 'mock-2', welcomeMessage: 'Welcome from Globex.' } : { provider: 'openai_compatible', model: 'm', baseUrl: fake.baseUrl };
  expect((await t.inject({ method: 'PATCH', url: '/api/v1/assistant', headers: admin.auth, payload })).statusCode).toBe(200);
  return { tenantId: tenant.id, admin };
}

const start = async (who: TestMember): Promise<string> =>
  (await t.inject({ method: 'POST', url: '/api/v1/conversations', headers: who.auth })).json<{ id: string }>().id;

const stream = (who: TestMember, id: string, content: string, accept = 'text/event-stream') =>
  t.inject({ method: 'POST', url: `/api/v1/conversations/${id}/messages`, headers: { ...who.auth, accept }, payload: { content } });

const rowsOf = async (conversationId: string) =>
  (
    await t.owner.query<{ id: string; role: string; content: string; status: string; error: string | null; prompt_tokens: number; completion_tokens: number }>(
      'select id, role, content, status, error, prompt_tokens, completion_tokens from messages where conversation_id = $1 order by created_at, id',
      [conversationId],
    )
  ).rows;

const usageOf = (tenantId: string) => modelUsageOf(t.owner, tenantId);

describe('a streamed reply', () => {
  it('sends delta events that join to the reply, then done with the stored message id and token counts', async () => {
    const { admin } = await member('builtin');
    const id = await start(admin);

    const res = await stream(admin, id, 'stream this please');

    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      'x-content-type-options': 'nosniff',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': expect.any(String),
    });
    const events = parseEvents(res.body);
    const deltas = events.filter((e) => e.event === 'delta');
    const reply = 'Welcome from Globex. [GLOBEX MOCK] Echo: STREAM THIS PLEASE';
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.map((e) => e.data.text).join('')).toBe(reply);
    expect(events.slice(0, -1).every((e) => e.event === 'delta')).toBe(true);
    const rows = await rowsOf(id);
    expect(events.at(-1)).toEqual({
      event: 'done',
      data: { messageId: rows[1]!.id, model: 'mock-2', mock: true, reply, usage: { promptTokens: 5, completionTokens: 15 } },
    });
    expect(rows.map(({ id: _id, ...row }) => row)).toEqual([
      { role: 'user', content: 'stream this please', status: 'complete', error: null, prompt_tokens: 5, completion_tokens: 0 },
      { role: 'assistant', content: reply, status: 'complete', error: null, prompt_tokens: 5, completion_tokens: 15 },
    ]);
  });

  it('streams an OpenAI-compatible provider, asking it for a stream with usage', async () => {
    const { admin, tenantId } = await member('openai');
    const id = await start(admin);
    fake.enqueue({ kind: 'ok', text: 'Streaming from the fake model.', usage: { prompt_tokens: 9, completion_tokens: 6 } });

    const events = parseEvents((await stream(admin, id, 'go')).body);

    expect(events.filter((e) => e.event === 'delta').map((e) => e.data.text).join('')).toBe('Streaming from the fake model.');
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { mock: false, usage: { promptTokens: 9, completionTokens: 6 } } });
    expect(fake.requests[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(await usageOf(tenantId)).toEqual({ messages: { used: 1, reserved: 0 }, tokens: { used: 15, reserved: 0 } });
  });

  it('answers JSON when the client accepts JSON (or event streams only with q=0)', async () => {
    const { admin } = await member('builtin');
    const id = await start(admin);

    for (const accept of ['application/json', 'application/json, text/event-stream;q=0']) {
      const res = await stream(admin, id, 'plain', accept);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json()).toMatchObject({ reply: 'Welcome from Globex. [GLOBEX MOCK] Echo: PLAIN' });
    }
  });

  it('answers problem+json, not a stream, for errors found before the model is called', async () => {
    const { admin } = await member('builtin');
    const id = await start(admin);

    expectProblem(await stream(admin, '0e7b8f0c-3a6d-4d0e-9b1f-2c4a5e6f7a8b', 'hi'), 404, 'conversation_not_found');
    expectProblem(await stream(admin, id, '   '), 400, 'validation_failed');
    expect(await rowsOf(id)).toEqual([]);
  });
});

describe('a streamed reply that fails', () => {
  it('ends with an error event carrying a 502 provider_failed problem; both messages are kept, the reply failed', async () => {
    const { admin, tenantId } = await member('openai');
    const id = await start(admin);
    fake.enqueue({ kind: 'status', status: 500 }, { kind: 'status', status: 500 });

    const res = await stream(admin, id, 'hello?');

    expect(res.statusCode).toBe(200);
    const events = parseEvents(res.body);
    const rows = await rowsOf(id);
    expect(events).toEqual([
      {
        event: 'error',
        data: {
          type: 'urn:tenantry:problem:provider_failed',
          title: 'Bad Gateway',
          status: 502,
          code: 'provider_failed',
          detail: 'The model provider failed: provider answered HTTP 500',
          messageId: rows[1]!.id,
          instance: `/api/v1/conversations/${id}/messages`,
          requestId: res.headers['x-request-id'],
        },
      },
    ]);
    expect(rows.map((r) => [r.role, r.status, r.content, r.error])).toEqual([
      ['user', 'complete', 'hello?', null],
      ['assistant', 'failed', '', 'provider answered HTTP 500'],
    ]);
    expect(await usageOf(tenantId)).toEqual({ messages: { used: 0, reserved: 0 }, tokens: { used: 0, reserved: 0 } });
  });

  it.each([
    ['the connection drops mid-stream', { kind: 'drop-mid-stream' } as const, /^connection failed/],
    ['a chunk is not JSON', { kind: 'malformed' } as const, /^a stream chunk is not valid JSON$/],
  ])('keeps the text produced before %s, stored as failed', async (_case, behaviour, error) => {
    const { admin } = await member('openai');
    const id = await start(admin);
    fake.enqueue(behaviour);

    const events = parseEvents((await stream(admin, id, 'go on')).body);

    expect(events.map((e) => e.event)).toEqual(['delta', 'error']);
    expect(events[0]!.data).toEqual({ text: 'Half ' });
    expect(events[1]!.data).toMatchObject({ status: 502, code: 'provider_failed' });
    const reply = (await rowsOf(id))[1]!;
    expect(reply).toMatchObject({ status: 'failed', content: 'Half ' });
    expect(reply.error).toMatch(error);
    expect(fake.requests).toHaveLength(1); // text was produced: never retried
  });
});

describe('a client that hangs up mid-stream', () => {
  it('does not end the reply: it completes, is stored whole, and its usage is settled (docs/adr/0016)', async () => {
    const { admin, tenantId } = await member('openai');
    const id = await start(admin);
    let release!: () => void;
    const midGate = new Promise<void>((resolve) => (release = resolve));
    fake.enqueue({ kind: 'ok', text: 'Partial reply, then the rest.', midGate });
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;

    // A real socket: read the first delta, then hang up.
    const firstDelta = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, method: 'POST', path: `/api/v1/conversations/${id}/messages`, headers: { ...admin.auth, accept: 'text/event-stream', 'content-type': 'application/json' } },
        (res) => {
          res.setEncoding('utf8');
          let body = '';
          res.on('data', (chunk: string) => {
            body += chunk;
            if (body.includes('\n\n')) {
              resolve(body);
              req.destroy();
            }
          });
        },
      );
      req.on('error', () => undefined);
      req.on('close', () => reject(new Error('closed before the first event')));
      req.end(JSON.stringify({ content: 'tell me everything' }));
    });
    expect(parseEvents(firstDelta)).toEqual([{ event: 'delta', data: { text: 'Partial ' } }]);

    release(); // the model goes on after the client has gone
    const reply = await eventually(async () => {
      const row = (await rowsOf(id))[1]!;
      return row.status === 'pending' ? undefined : row;
    });

    expect(reply).toMatchObject({ role: 'assistant', status: 'complete', content: 'Partial reply, then the rest.', error: null, prompt_tokens: 11, completion_tokens: 7 });
    expect(await usageOf(tenantId)).toEqual({ messages: { used: 1, reserved: 0 }, tokens: { used: 18, reserved: 0 } });
  });
});

/** Polls until `probe` returns a value (the server finishes its bookkeeping after the socket closed). */
async function eventually<T>(probe: () => Promise<T | undefined>, attempts = 200): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('condition not reached');
}
