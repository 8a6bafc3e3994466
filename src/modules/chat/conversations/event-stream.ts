import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FollowedReply, ReplyFrame } from '../replies/reply-streams.js';

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
 * Sends a reply's frames as server-sent events on the raw response: `delta` events with text
 * chunks, then `done` (the stored message id, model, token counts and whole reply), `stopped`, or
 * `error` (a problem document). `open` runs first: if it throws (validation, 404, quota), the
 * usual problem+json answers instead. When the client goes away, only the following ends (through
 * `open`'s signal): the reply itself runs on (docs/adr/0016).
 */
export async function sendEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  open: (signal: AbortSignal) => Promise<FollowedReply>,
): Promise<void> {
  const disconnected = new AbortController();
  const { messageId, frames } = await open(disconnected.signal);
  reply.hijack();
  const res = reply.raw;
  const listening = request.server.server.listening;
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
    // The reply's id from the start: a client that reloads re-attaches with GET …/messages/:messageId/stream.
    'x-message-id': messageId,
  });
  res.flushHeaders();
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  try {
    for await (const frame of frames) {
      if (disconnected.signal.aborted) break;
      res.write(format(frame, request));
    }
  } finally {
    clearInterval(heartbeat);
    res.off('close', onClose);
    disconnected.abort();
    // While the server drains for shutdown, an idle keep-alive connection would hold it up to its time-out.
    const closing = listening && !request.server.server.listening;
    if (closing) res.once('finish', () => res.socket?.destroy());
    if (!res.writableEnded) res.end();
  }
}

function format(frame: ReplyFrame, request: FastifyRequest): string {
  const data = frame.event === 'error' ? { ...frame.data, instance: request.url, requestId: String(request.id) } : frame.data;
  return `event: ${frame.event}\ndata: ${JSON.stringify(data)}\n\n`;
}
