/** Conversations and replies through the typed client. Streams come back as ReadableStreams for stream.ts. */
import { call, client } from '../../api/client.ts';
import { ApiError, toProblem } from '../../api/problem.ts';
import type { MessageView } from '../../api/views.ts';

/** A page of 30, most recently active first; `q` searches the titles on the server. */
export const listConversations = (cursor?: string, q?: string) =>
  call(client.GET('/api/v1/conversations', { params: { query: { limit: 30, ...(cursor ? { cursor } : {}), ...(q ? { q } : {}) } } }));

export const startConversation = () => call(client.POST('/api/v1/conversations'));

export const renameConversation = (id: string, title: string) =>
  call(client.PATCH('/api/v1/conversations/{id}', { params: { path: { id } }, body: { title } }));

export const deleteConversation = (id: string) => call(client.DELETE('/api/v1/conversations/{id}', { params: { path: { id } } }));

/** Every message of a conversation, oldest first (pages of 100). */
export async function listMessages(id: string): Promise<MessageView[]> {
  const all: MessageView[] = [];
  let cursor: string | undefined;
  do {
    const page = await call(
      client.GET('/api/v1/conversations/{id}/messages', { params: { path: { id }, query: { limit: 100, ...(cursor ? { cursor } : {}) } } }),
    );
    all.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

type Streamed = Promise<{ data?: unknown; error?: unknown; response: Response }>;

async function streamOf(pending: Streamed): Promise<ReadableStream<Uint8Array>> {
  const { data, error, response } = await pending;
  if (!response.ok || !(data instanceof ReadableStream)) throw new ApiError(toProblem(response.status, error, response.headers.get('x-request-id')));
  const body = data as ReadableStream<Uint8Array>;
  // The API names the reply in a header (X-Message-Id) before its first byte: handed to the stream
  // reader as a `start` event, so that Stop and a re-attach know the reply from the beginning.
  const messageId = response.headers.get('x-message-id');
  return messageId ? withStartEvent(messageId, body) : body;
}

function withStartEvent(messageId: string, body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const start = new TextEncoder().encode(`event: start\ndata: ${JSON.stringify({ messageId })}\n\n`);
  const reader = body.getReader();
  let sentStart = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sentStart) {
        sentStart = true;
        controller.enqueue(start);
        return;
      }
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

const SSE = { Accept: 'text/event-stream' };

/** Sends a message; the reply streams back as server-sent events. */
export const postMessage = (id: string, content: string, signal: AbortSignal) =>
  streamOf(client.POST('/api/v1/conversations/{id}/messages', { params: { path: { id } }, body: { content }, parseAs: 'stream', headers: SSE, signal }));

/** Re-attaches to a reply in progress: its text so far, then the rest as it comes. */
export const followReply = (id: string, messageId: string, signal: AbortSignal) =>
  streamOf(client.GET('/api/v1/conversations/{id}/messages/{messageId}/stream', { params: { path: { id, messageId } }, parseAs: 'stream', headers: SSE, signal }));

/** Asks the server to stop a reply, wherever it runs; it is stored as stopped with the text so far. */
export const stopReply = (id: string, messageId: string) =>
  call(client.POST('/api/v1/conversations/{id}/messages/{messageId}/stop', { params: { path: { id, messageId } } }));

/** Regenerates the conversation's last reply in place (also the retry of a failed one). */
export const regenerateReply = (id: string, messageId: string, signal: AbortSignal) =>
  streamOf(client.POST('/api/v1/conversations/{id}/messages/{messageId}/regenerate', { params: { path: { id, messageId } }, parseAs: 'stream', headers: SSE, signal }));
