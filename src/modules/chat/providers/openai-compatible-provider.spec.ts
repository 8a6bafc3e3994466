import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { FakeDns } from '../../../../test/support/fake-dns.js';
import { FAKE_PROVIDER_ENV, FAKE_USAGE, type FakeOpenAi, startFakeOpenAi } from '../../../../test/support/fake-openai.js';
import { PrivateAllowList } from '../../../platform/outbound/allow-list.js';
import { type OutboundFetch, OutboundHttp } from '../../../platform/outbound/outbound-http.js';
import { OutboundPolicy } from '../../../platform/outbound/outbound-policy.js';
import type { ChatRequest, StreamChunk } from './chat-provider.js';
import { ProviderError } from './chat-provider.js';
import { OpenAiCompatibleProvider, type OpenAiCompatibleOptions } from './openai-compatible-provider.js';

/**
 * The OpenAI-compatible provider against a real local HTTP server speaking chat completions
 * (test/support/fake-openai.ts): request shape, JSON and SSE answers, retries, time-outs, and
 * broken streams, through the SSRF-guarded client with the fake's address allowed explicitly.
 */

/** What the guard lets through: the fake's address (the tests' escape hatch), and public names. */
const dns = new FakeDns({ 'models.example.com': ['104.18.32.47'] });
const guarded = (allow: readonly string[]) =>
  new OutboundHttp(new OutboundPolicy({ requireHttps: false, allowList: PrivateAllowList.parse(allow) }, dns));
const http = guarded([FAKE_PROVIDER_ENV.PROVIDER_ALLOWED_PRIVATE_HOSTS]);

let fake: FakeOpenAi;
beforeAll(async () => {
  fake = await startFakeOpenAi();
});
afterAll(async () => {
  http.onModuleDestroy();
  await fake?.close();
});
beforeEach(() => {
  fake.requests.length = 0;
});

const provider = (options: Partial<OpenAiCompatibleOptions> = {}) =>
  new OpenAiCompatibleProvider({ baseUrl: fake.baseUrl, apiKey: 'sk-test-123', timeoutMs: 2000, maxRetries: 2, retryBaseMs: 5, http, ...options });

const request = (overrides: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'llama3.1',
  systemPrompt: 'You are the assistant of Acme.',
  history: [
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello! How can I help?' },
  ],
  message: 'What is 2 + 2?',
  temperature: 0.3,
  maxTokens: 64,
  welcome: 'ignored by HTTP providers',
  ...overrides,
});

async function collect(stream: AsyncIterable<StreamChunk>): Promise<StreamChunk[]> {
  const chunks: StreamChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/** The chunks produced before the stream failed, and the failure. */
async function collectUntilFailure(stream: AsyncIterable<StreamChunk>): Promise<{ chunks: StreamChunk[]; error: unknown }> {
  const chunks: StreamChunk[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (error) {
    return { chunks, error };
  }
  throw new Error('expected the stream to fail');
}

const textOf = (chunks: StreamChunk[]): string => chunks.flatMap((c) => (c.type === 'delta' ? [c.text] : [])).join('');

describe('a JSON completion', () => {
  it('posts the model, system prompt, history, message, temperature and max_tokens, with the API key', async () => {
    const completion = await provider().complete(request());

    expect(completion).toEqual({ text: 'Hello from the fake model.', usage: { promptTokens: 11, completionTokens: 7 } });
    expect(fake.requests).toHaveLength(1);
    const [received] = fake.requests;
    expect(received).toMatchObject({ method: 'POST', url: '/v1/chat/completions', authorization: 'Bearer sk-test-123' });
    expect(received!.body).toEqual({
      model: 'llama3.1',
      messages: [
        { role: 'system', content: 'You are the assistant of Acme.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello! How can I help?' },
        { role: 'user', content: 'What is 2 + 2?' },
      ],
      temperature: 0.3,
      max_tokens: 64,
      stream: false,
    });
  });

  it('sends no Authorization header without an API key, and no system message without a prompt', async () => {
    await provider({ apiKey: undefined, baseUrl: `${fake.baseUrl}/` }).complete(request({ systemPrompt: undefined, history: [] }));

    expect(fake.requests[0]!.authorization).toBeUndefined();
    expect(fake.requests[0]!.body.messages).toEqual([{ role: 'user', content: 'What is 2 + 2?' }]);
  });

  it('estimates the tokens when the server reports no usage', async () => {
    fake.enqueue({ kind: 'ok', text: '12345678', usage: null });

    const completion = await provider().complete(request({ systemPrompt: undefined, history: [], message: 'abcd' }));

    expect(completion.usage).toEqual({ promptTokens: 1, completionTokens: 2 });
  });
});

describe('a streamed completion', () => {
  it('yields the deltas, then the usage the server sent (it asks for it with stream_options)', async () => {
    fake.enqueue({ kind: 'ok', text: 'Four, of course.' });

    const chunks = await collect(provider().stream(request()));

    expect(textOf(chunks)).toBe('Four, of course.');
    expect(chunks.filter((c) => c.type === 'delta').length).toBeGreaterThan(1);
    expect(chunks.at(-1)).toEqual({ type: 'usage', usage: { promptTokens: FAKE_USAGE.prompt_tokens, completionTokens: FAKE_USAGE.completion_tokens } });
    expect(fake.requests[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('estimates the usage when the stream carries none', async () => {
    fake.enqueue({ kind: 'ok', text: '12345678', usage: null });

    const chunks = await collect(provider().stream(request({ systemPrompt: undefined, history: [], message: 'abcd' })));

    expect(chunks.at(-1)).toEqual({ type: 'usage', usage: { promptTokens: 1, completionTokens: 2 } });
  });

  it('accepts a stream that ends without [DONE] after the model finished', async () => {
    fake.enqueue({ kind: 'ok', text: 'done anyway', noDone: true });

    expect(textOf(await collect(provider().stream(request())))).toBe('done anyway');
  });

  it('accepts a JSON answer to a streaming request (a server that ignores `stream`)', async () => {
    fake.enqueue({ kind: 'ok', text: 'all at once', json: true });

    const chunks = await collect(provider().stream(request()));

    expect(chunks).toEqual([
      { type: 'delta', text: 'all at once' },
      { type: 'usage', usage: { promptTokens: 11, completionTokens: 7 } },
    ]);
  });
});

describe('retries', () => {
  it.each(['complete', 'stream'] as const)('%s: retries a 500, then succeeds', async (mode) => {
    fake.enqueue({ kind: 'status', status: 500 });

    const text = mode === 'complete' ? (await provider().complete(request())).text : textOf(await collect(provider().stream(request())));

    expect(text).toBe('Hello from the fake model.');
    expect(fake.requests).toHaveLength(2);
  });

  it('retries a 429 (honouring its Retry-After), then succeeds', async () => {
    fake.enqueue({ kind: 'status', status: 429, retryAfter: '0' }, { kind: 'status', status: 503 });

    const completion = await provider().complete(request());

    expect(completion.text).toBe('Hello from the fake model.');
    expect(fake.requests).toHaveLength(3);
  });

  it('retries a connection dropped before any answer', async () => {
    fake.enqueue({ kind: 'drop' });

    expect(textOf(await collect(provider().stream(request())))).toBe('Hello from the fake model.');
    expect(fake.requests).toHaveLength(2);
  });

  it('gives up after PROVIDER_MAX_RETRIES retries with the last status', async () => {
    fake.enqueue({ kind: 'status', status: 502 }, { kind: 'status', status: 500 }, { kind: 'status', status: 503 });

    const failure = provider({ maxRetries: 2 }).complete(request());

    await expect(failure).rejects.toMatchObject({ kind: 'http', details: { status: 503 }, message: 'provider answered HTTP 503' });
    expect(fake.requests).toHaveLength(3);
  });

  it.each([400, 401, 404])('does not retry a %i', async (status) => {
    fake.enqueue({ kind: 'status', status });

    await expect(provider().complete(request())).rejects.toMatchObject({ kind: 'http', details: { status } });
    expect(fake.requests).toHaveLength(1);
  });

  it('never retries once text was produced: a connection dropped mid-stream fails after its delta', async () => {
    fake.enqueue({ kind: 'drop-mid-stream' });

    const { chunks, error } = await collectUntilFailure(provider().stream(request()));

    expect(textOf(chunks)).toBe('Half ');
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: 'network' });
    expect(fake.requests).toHaveLength(1);
  });
});

describe('time-outs and broken answers', () => {
  it('times out a server that does not answer, without retrying', async () => {
    fake.enqueue({ kind: 'hang' });

    await expect(provider({ timeoutMs: 200 }).complete(request())).rejects.toMatchObject({ kind: 'timeout', message: 'no answer within 200 ms' });
    expect(fake.requests).toHaveLength(1);
    await fake.requests[0]!.closed; // the provider hung up
  });

  it('times out a stream that stalls after its first delta', async () => {
    fake.enqueue({ kind: 'stall-mid-stream' });

    const { chunks, error } = await collectUntilFailure(provider({ timeoutMs: 200 }).stream(request()));

    expect(textOf(chunks)).toBe('Partial ');
    expect(error).toMatchObject({ kind: 'timeout' });
    await fake.requests[0]!.closed;
  });

  it('fails on a body that is not JSON', async () => {
    fake.enqueue({ kind: 'malformed' });

    await expect(provider().complete(request())).rejects.toMatchObject({ kind: 'protocol', message: 'the response is not valid JSON' });
    expect(fake.requests).toHaveLength(1);
  });

  it('fails on a stream chunk that is not JSON, after the deltas before it', async () => {
    fake.enqueue({ kind: 'malformed' });

    const { chunks, error } = await collectUntilFailure(provider().stream(request()));

    expect(textOf(chunks)).toBe('Half ');
    expect(error).toMatchObject({ kind: 'protocol', message: 'a stream chunk is not valid JSON' });
  });

  it('fails on a stream cut before the model finished (no finish_reason, no [DONE])', async () => {
    fake.enqueue({ kind: 'truncated' });

    const { chunks, error } = await collectUntilFailure(provider().stream(request()));

    expect(textOf(chunks)).toBe('Half ');
    expect(error).toMatchObject({ kind: 'protocol', message: 'the stream ended before the reply was complete' });
    expect(fake.requests).toHaveLength(1);
  });

  it("aborts mid-stream when the caller's signal fires, and hangs up on the server", async () => {
    fake.enqueue({ kind: 'stall-mid-stream' });
    const controller = new AbortController();
    const stream = provider().stream(request({ signal: controller.signal }));

    const iterator = stream[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: { type: 'delta', text: 'Partial ' } });
    controller.abort();

    await expect(iterator.next()).rejects.toMatchObject({ kind: 'aborted' });
    await fake.requests[0]!.closed; // the abort reached the server: it lost its client
  });

  it('stops the request when the consumer stops reading', async () => {
    fake.enqueue({ kind: 'stall-mid-stream' });
    const signals: Array<AbortSignal | undefined> = [];
    const watched: OutboundFetch = {
      fetch: (target, init) => {
        signals.push(init.signal);
        return http.fetch(target, init);
      },
    };
    const iterator = provider({ http: watched }).stream(request())[Symbol.asyncIterator]();

    expect(await iterator.next()).toEqual({ done: false, value: { type: 'delta', text: 'Partial ' } });
    expect(signals.map((signal) => signal?.aborted)).toEqual([false]); // the server is still streaming

    await iterator.return?.(undefined);

    expect(signals.map((signal) => signal?.aborted)).toEqual([true]); // the request was aborted as the consumer stopped
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    await fake.requests[0]!.closed; // and the server lost its client
    expect(fake.requests).toHaveLength(1); // no retry of a call the consumer gave up on
  });

  it('fails a refused connection as a network error after its retries', async () => {
    const closed = await startFakeOpenAi();
    const baseUrl = closed.baseUrl;
    await closed.close();

    await expect(provider({ baseUrl, maxRetries: 1 }).complete(request())).rejects.toMatchObject({ kind: 'network', message: expect.stringContaining('ECONNREFUSED') });
  });
});

describe('the SSRF guard (docs/adr/0011-outbound-requests.md)', () => {
  const closed = guarded([]);
  afterAll(() => closed.onModuleDestroy());

  it('refuses a base URL on a loopback address without the escape hatch: not retried, no connection opened', async () => {
    const before = fake.connections;

    await expect(provider({ http: closed }).complete(request())).rejects.toMatchObject({
      kind: 'refused',
      retryable: false,
      message: 'the base URL is not allowed: 127.0.0.1 is a loopback address',
    });

    expect(fake.connections).toBe(before);
    expect(fake.requests).toEqual([]);
  });

  it('refuses a public-looking name that resolves to a loopback address at call time, streaming too', async () => {
    dns.table['rebound.example.com'] = ['127.0.0.1'];
    const before = fake.connections;
    const baseUrl = fake.baseUrl.replace('127.0.0.1', 'rebound.example.com');

    const { chunks, error } = await collectUntilFailure(provider({ http: closed, baseUrl }).stream(request()));

    expect(chunks).toEqual([]);
    expect(error).toMatchObject({ kind: 'refused', message: 'the base URL is not allowed: rebound.example.com resolves to a loopback address' });
    expect(fake.connections).toBe(before);
  });

  it('does not follow a redirect, even to an address it would allow', async () => {
    fake.enqueue({ kind: 'status', status: 307, location: `${fake.baseUrl}/chat/completions?again` });

    await expect(provider().complete(request())).rejects.toMatchObject({ kind: 'http', message: 'provider answered HTTP 307 (a redirect, not followed)', retryable: false });

    expect(fake.requests).toHaveLength(1);
  });
});
