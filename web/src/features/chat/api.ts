/** Conversations and replies through the typed client. Streams come back as ReadableStreams for stream.ts. */
import { call, client, isNotAvailable } from '../../api/client.ts';
import { ApiError, toProblem } from '../../api/problem.ts';
import type { ConversationView, MessageView, Page } from '../../api/views.ts';

export const listConversations = (cursor?: string) =>
  call<Page<ConversationView>>(client.GET('/api/v1/conversations', { params: { query: { limit: 30, ...(cursor ? { cursor } : {}) } } }));

export const startConversation = () => call<{ id: string; welcome: string }>(client.POST('/api/v1/conversations'));

export const renameConversation = (id: string, title: string) =>
  call<ConversationView>(client.PATCH('/api/v1/conversations/{id}', { params: { path: { id } }, body: { title } }));

export const deleteConversation = (id: string) => call(client.DELETE('/api/v1/conversations/{id}', { params: { path: { id } } }));

/** Every message of a conversation, oldest first (pages of 100). */
export async function listMessages(id: string): Promise<MessageView[]> {
  const all: MessageView[] = [];
  let cursor: string | undefined;
  do {
    const page = await call<Page<MessageView>>(
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

/** Re-attaches to a reply in progress: its text so far, then the rest (pending route); undefined when the server cannot. */
export async function followReply(id: string, messageId: string, signal: AbortSignal): Promise<ReadableStream<Uint8Array> | undefined> {
  try {
    return await streamOf(
      client.GET('/api/v1/conversations/{id}/messages/{messageId}/stream', { params: { path: { id, messageId } }, parseAs: 'stream', headers: SSE, signal }),
    );
  } catch (error) {
    if (isNotAvailable(error)) return undefined;
    throw error;
  }
}

/** Asks the server to stop a reply (pending route); false when the server has no such route. */
export async function stopReply(id: string, messageId: string): Promise<boolean> {
  try {
    await call(client.POST('/api/v1/conversations/{id}/messages/{messageId}/stop', { params: { path: { id, messageId } } }));
    return true;
  } catch (error) {
    if (isNotAvailable(error)) return false;
    throw error;
  }
}

/** Regenerates a reply in place (pending route); undefined when the server has no such route. */
export async function regenerateReply(id: string, messageId: string, signal: AbortSignal): Promise<ReadableStream<Uint8Array> | undefined> {
  try {
    return await streamOf(
      client.POST('/api/v1/conversations/{id}/messages/{messageId}/regenerate', { params: { path: { id, messageId } }, parseAs: 'stream', headers: SSE, signal }),
    );
  } catch (error) {
    if (isNotAvailable(error)) return undefined;
    throw error;
  }
}
