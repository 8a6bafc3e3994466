/**
 * The chat's stream reader, kept out of the components: server-sent events from a ReadableStream
 * (POST /conversations/:id/messages with Accept: text/event-stream, and the re-attach route), turned
 * into reply events, and folded into the state a message bubble shows.
 */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/** Parses an event stream (WHATWG rules: `event:`, `data:` lines joined by \n, `:` comments, blank line dispatches). */
export async function* readEventStream(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = body.pipeThrough(new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array>).getReader();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | undefined;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let newline: number;
      while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
        if (line === '') {
          if (data.length > 0) yield { event: event || 'message', data: data.join('\n'), ...(id !== undefined ? { id } : {}) };
          event = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id') id = value;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

export interface ReplyProblem {
  status?: number;
  code?: string;
  detail?: string;
  requestId?: string;
}

export type ReplyEvent =
  /** The stored assistant message the stream is about (sent first by servers that support re-attach). */
  | { type: 'start'; messageId: string }
  | { type: 'delta'; text: string }
  /** On re-attach: the whole text so far, replacing what was shown. */
  | { type: 'snapshot'; text: string; messageId?: string }
  | { type: 'done'; messageId: string; reply?: string; model?: string }
  /** Its user stopped it: the text so far is what is kept. */
  | { type: 'stopped'; messageId: string; reply?: string }
  | { type: 'error'; problem: ReplyProblem };

function parseJson(data: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(data);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** One SSE event as a reply event; unknown events (and malformed data) are skipped. */
export function toReplyEvent(e: SseEvent): ReplyEvent | undefined {
  const body = parseJson(e.data);
  if (!body) return undefined;
  switch (e.event) {
    case 'start':
    case 'message_start': {
      const messageId = str(body.messageId) ?? str(body.id);
      return messageId ? { type: 'start', messageId } : undefined;
    }
    case 'delta': {
      const text = str(body.text);
      return text === undefined ? undefined : { type: 'delta', text };
    }
    case 'snapshot': {
      const text = str(body.text) ?? str(body.content);
      const messageId = str(body.messageId);
      return text === undefined ? undefined : { type: 'snapshot', text, ...(messageId ? { messageId } : {}) };
    }
    case 'done': {
      const messageId = str(body.messageId);
      if (!messageId) return undefined;
      const reply = str(body.reply);
      const model = str(body.model);
      return { type: 'done', messageId, ...(reply !== undefined ? { reply } : {}), ...(model ? { model } : {}) };
    }
    case 'stopped': {
      const messageId = str(body.messageId);
      if (!messageId) return undefined;
      const reply = str(body.reply);
      return { type: 'stopped', messageId, ...(reply !== undefined ? { reply } : {}) };
    }
    case 'error':
      return {
        type: 'error',
        problem: {
          ...(typeof body.status === 'number' ? { status: body.status } : {}),
          ...(str(body.code) ? { code: str(body.code) } : {}),
          ...(str(body.detail) ? { detail: str(body.detail) } : {}),
          ...(str(body.requestId) ? { requestId: str(body.requestId) } : {}),
        },
      };
    default:
      return undefined;
  }
}

export async function* readReply(body: ReadableStream<Uint8Array>): AsyncGenerator<ReplyEvent> {
  for await (const e of readEventStream(body)) {
    const event = toReplyEvent(e);
    if (event) yield event;
  }
}

/** What a streaming bubble shows. */
export interface ReplyState {
  messageId: string | undefined;
  text: string;
  status: 'streaming' | 'complete' | 'failed' | 'stopped';
  problem?: ReplyProblem;
}

export const initialReply = (): ReplyState => ({ messageId: undefined, text: '', status: 'streaming' });

/** Folds one event into the state (pure: the component only renders the result). */
export function applyReplyEvent(state: ReplyState, event: ReplyEvent): ReplyState {
  switch (event.type) {
    case 'start':
      return { ...state, messageId: event.messageId };
    case 'delta':
      return { ...state, text: state.text + event.text };
    case 'snapshot':
      return { ...state, text: event.text, messageId: event.messageId ?? state.messageId };
    case 'done':
      return { ...state, messageId: event.messageId, text: event.reply ?? state.text, status: 'complete' };
    case 'stopped':
      return { ...state, messageId: event.messageId, text: event.reply ?? state.text, status: 'stopped' };
    case 'error':
      return { ...state, status: 'failed', problem: event.problem };
  }
}

/**
 * What a screen reader should hear next: only the sentences completed since the last announcement
 * (the whole remainder once the reply is final), never the whole reply again.
 */
export function nextAnnouncement(text: string, announced: number, final: boolean): { say: string; announced: number } {
  if (announced >= text.length) return { say: '', announced };
  if (final) return { say: text.slice(announced).trim(), announced: text.length };
  const rest = text.slice(announced);
  const match = /^[\s\S]*[.!?…:\n](\s|$)/.exec(rest);
  if (!match) return { say: '', announced };
  return { say: match[0].trim(), announced: announced + match[0].length };
}
