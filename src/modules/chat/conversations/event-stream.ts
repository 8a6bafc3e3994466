import type { FastifyReply, FastifyRequest } from 'fastify';
import { toProblem } from '../../../platform/http/problem.filter.js';
import type { ChatStreamEvent } from './chat.service.js';

/** Comment lines keep idle proxies from closing a stream while the model thinks. */
const HEARTBEAT_MS = 15_000;

/** True when the request's Accept lists text/event-stream (with any parameters or q-value above 0). */
export function acceptsEventStream(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.split(',').some((part) => {
    const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    return type === 'text/event-stream' && !params.some((p) => /^q=0(\.0*)?$/.test(p));
  });
}

/**
 * Sends a chat reply as server-sent events on the raw response: `delta` events with text chunks,
 * then `done` (the stored message id, model and token counts) or `error` (a problem document).
 * `open` runs first: if it throws (validation, 404, quota), the usual problem+json answers instead.
 * When the client goes away, the provider call is aborted through `open`'s signal and the stream
 * is closed; the chat service records what happened.
 */
export async function sendEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  open: (signal: AbortSignal) => Promise<AsyncIterable<ChatStreamEvent>>,
): Promise<void> {
  const disconnected = new AbortController();
  const events = await open(disconnected.signal);
  reply.hijack();
  const res = reply.raw;
  const onClose = (): void => {
    if (!res.writableFinished) disconnected.abort();
  };
  res.on('close', onClose);
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    // Written raw (hijacked), so the platform's onSend headers (security-headers.ts) are set here.
    'cache-control': 'no-store, no-transform',
    'x-content-type-options': 'nosniff',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-request-id': String(request.id),
  });
  res.flushHeaders();
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  try {
    for await (const event of events) {
      if (disconnected.signal.aborted) break;
      res.write(format(event, request));
    }
  } finally {
    clearInterval(heartbeat);
    res.off('close', onClose);
    if (!res.writableEnded) res.end();
  }
}

function format(event: ChatStreamEvent, request: FastifyRequest): string {
  switch (event.type) {
    case 'delta':
      return frame('delta', { text: event.text });
    case 'done': {
      const { messageId, model, mock, usage, reply } = event.result;
      return frame('done', { messageId, model, mock, usage, reply });
    }
    case 'error': {
      const { body } = toProblem(event.error);
      return frame('error', { ...body, instance: request.url, requestId: String(request.id) });
    }
  }
}

const frame = (name: string, data: unknown): string => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
