import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local OpenAI-compatible chat-completions server for tests: a real HTTP server on
 * 127.0.0.1:<random port>, so the provider's real fetch, SSE parsing, time-outs and retries run.
 * It records every request and answers each with the next queued behaviour (default: `ok`).
 */

export interface FakeUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

export type FakeBehaviour =
  /** A completion: JSON, or SSE when the request asked for `stream: true` (usage chunk when asked for). */
  | {
      kind: 'ok';
      text?: string;
      usage?: FakeUsage | null;
      /** Stream without the final [DONE]. */
      noDone?: boolean;
      /** Answer JSON even to a streaming request (servers that ignore `stream`). */
      json?: boolean;
      /** Answer only once this settles: the test decides when the model is done (no timing involved). */
      gate?: Promise<void>;
      /** SSE: send the first piece, then wait for this before the rest (a reply caught mid-way). */
      midGate?: Promise<void>;
    }
  /** An error status with an OpenAI-style error body (a 3xx with a Location, when given one). */
  | { kind: 'status'; status: number; retryAfter?: string; location?: string }
  /** Accepts the request and never answers (until the client gives up). */
  | { kind: 'hang' }
  /** JSON: a body that is not JSON. SSE: one good delta, then a data line that is not JSON. */
  | { kind: 'malformed' }
  /** SSE: one delta, then the connection is destroyed. */
  | { kind: 'drop-mid-stream' }
  /** SSE: one delta, then the body ends cleanly, with neither finish_reason nor [DONE]. */
  | { kind: 'truncated' }
  /** The connection is destroyed before any response. */
  | { kind: 'drop' }
  /** SSE: one delta, then nothing until the client goes away (see `ReceivedRequest.closed`). */
  | { kind: 'stall-mid-stream' }
  /** SSE: a delta every `everyMs` (default 20), for ever: only the client going away ends it. */
  | { kind: 'trickle'; everyMs?: number };

export interface ReceivedRequest {
  method: string;
  url: string;
  authorization: string | undefined;
  body: {
    model?: string;
    messages?: Array<{ role: string; content: string }>;
    temperature?: number;
    max_tokens?: number;
    stream?: boolean;
    stream_options?: { include_usage?: boolean };
    [key: string]: unknown;
  };
  /** Resolves when the connection of this request closes (answered, dropped, or abandoned by the client). */
  closed: Promise<void>;
}

export interface FakeOpenAi {
  /** `http://127.0.0.1:<port>/v1`: what a tenant would configure as its base URL. */
  baseUrl: string;
  requests: ReceivedRequest[];
  /** TCP connections accepted so far: a refused call must not even open one. */
  connections: number;
  /** Behaviours for the next requests, in order; once used up, requests get `ok`. */
  enqueue(...behaviours: FakeBehaviour[]): void;
  /** The text an `ok` without its own text answers (default 'Hello from the fake model.'). */
  defaultText: string;
  close(): Promise<void>;
}

export const FAKE_USAGE: FakeUsage = { prompt_tokens: 11, completion_tokens: 7 };

/**
 * The fake listens on 127.0.0.1, which the SSRF guard refuses by default
 * (docs/adr/0011-outbound-requests.md): specs that call it open exactly that address, explicitly,
 * through the operator's escape hatch.
 */
export const FAKE_PROVIDER_ENV = { PROVIDER_ALLOWED_PRIVATE_HOSTS: '127.0.0.1/32' } as const;

export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  const queue: FakeBehaviour[] = [];
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const fake: FakeOpenAi = {
    baseUrl: '',
    requests,
    connections: 0,
    defaultText: 'Hello from the fake model.',
    enqueue: (...behaviours) => queue.push(...behaviours),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  server.on('connection', (socket) => {
    fake.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const closed = new Promise<void>((resolve) => res.on('close', () => resolve()));
    const raw = await readBody(req);
    let body: ReceivedRequest['body'] = {};
    try {
      body = JSON.parse(raw) as ReceivedRequest['body'];
    } catch {
      // recorded as {}
    }
    requests.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body, closed });
    if (req.method !== 'POST' || !req.url?.endsWith('/v1/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }));
      return;
    }
    const behaviour = queue.shift() ?? { kind: 'ok' };
    const stream = body.stream === true;
    switch (behaviour.kind) {
      case 'ok': {
        if (behaviour.gate) await behaviour.gate;
        const text = behaviour.text ?? fake.defaultText;
        const usage = behaviour.usage === undefined ? FAKE_USAGE : behaviour.usage;
        if (!stream || behaviour.json) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(completion(body.model, text, usage)));
          return;
        }
        startSse(res);
        const pieces = text.split(/(?<=\s)(?=\S)/);
        for (const [i, piece] of pieces.entries()) {
          sse(res, deltaChunk(body.model, piece));
          if (i === 0 && behaviour.midGate) {
            const closed = new Promise<void>((resolve) => res.on('close', resolve));
            await Promise.race([behaviour.midGate, closed]);
            if (res.destroyed || res.writableEnded) return;
          }
        }
        sse(res, { ...deltaChunk(body.model, ''), choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
        if (usage && body.stream_options?.include_usage) sse(res, { id: 'chatcmpl-fake', object: 'chat.completion.chunk', choices: [], usage });
        if (!behaviour.noDone) res.write('data: [DONE]\n\n');
        res.end();
        return;
      }
      case 'status': {
        res.writeHead(behaviour.status, {
          'content-type': 'application/json',
          ...(behaviour.retryAfter !== undefined ? { 'retry-after': behaviour.retryAfter } : {}),
          ...(behaviour.location !== undefined ? { location: behaviour.location } : {}),
        });
        res.end(JSON.stringify({ error: { message: `fake failure ${behaviour.status}`, type: 'server_error' } }));
        return;
      }
      case 'hang':
        return; // the client's time-out (or the test's close) ends it
      case 'malformed':
        if (!stream) {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"choices": [ this is not json');
          return;
        }
        startSse(res);
        sse(res, deltaChunk(body.model, 'Half '));
        res.write('data: {not json\n\n');
        res.end();
        return;
      case 'drop-mid-stream':
        startSse(res);
        // The delta is flushed to the socket first, then the connection dies.
        res.write(`data: ${JSON.stringify(deltaChunk(body.model, 'Half '))}\n\n`, () => res.socket?.destroy());
        return;
      case 'truncated':
        startSse(res);
        sse(res, deltaChunk(body.model, 'Half '));
        res.end();
        return;
      case 'drop':
        req.socket.destroy();
        return;
      case 'stall-mid-stream':
        startSse(res);
        sse(res, deltaChunk(body.model, 'Partial '));
        return; // nothing more: the client must give up or go away
      case 'trickle': {
        startSse(res);
        const timer = setInterval(() => sse(res, deltaChunk(body.model, 'more ')), behaviour.everyMs ?? 20);
        res.on('close', () => clearInterval(timer));
        return;
      }
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return fake;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function completion(model: string | undefined, text: string, usage: FakeUsage | null): Record<string, unknown> {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    ...(usage ? { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } } : {}),
  };
}

function deltaChunk(model: string | undefined, content: string): Record<string, unknown> {
  return { id: 'chatcmpl-fake', object: 'chat.completion.chunk', model, choices: [{ index: 0, delta: { content }, finish_reason: null }] };
}

function startSse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();
}

function sse(res: ServerResponse, data: unknown): void {
  res.write(`data: ${JSON.stringify(data)}\n\n`);
}
