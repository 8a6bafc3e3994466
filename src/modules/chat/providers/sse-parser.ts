import { createParser, type EventSourceParser } from 'eventsource-parser';

export interface SseEvent {
  /** The `event:` field, when the server named the event. */
  event?: string;
  /** The `data:` lines of the event, joined with newlines. */
  data: string;
}

/** A provider that streams one line longer than this without ending it is refused, not buffered. */
const MAX_PENDING_CHARS = 1024 * 1024;

/**
 * An incremental text/event-stream reader over eventsource-parser (the WHATWG parsing rules: LF,
 * CRLF or CR line ends split anywhere across chunks, comments, unknown fields). Two things are
 * ours: events come back from each `push` instead of through a callback, and the end of the body
 * dispatches a last event that the provider did not close with a blank line (lenient on purpose:
 * some OpenAI-compatible servers end their stream that way).
 */
export class SseParser {
  private completed: SseEvent[] = [];
  private readonly parser: EventSourceParser = createParser({
    maxBufferSize: MAX_PENDING_CHARS,
    onEvent: ({ event, data }) => this.completed.push({ ...(event !== undefined && { event }), data }),
  });

  /** Feeds a decoded chunk; returns the events it completed. Throws past the buffer limit. */
  push(chunk: string): SseEvent[] {
    this.parser.feed(chunk);
    return this.take();
  }

  /** The end of the body: a last event not followed by a blank line still counts. */
  end(): SseEvent[] {
    this.parser.feed('\n\n');
    this.parser.reset();
    return this.take();
  }

  private take(): SseEvent[] {
    const events = this.completed;
    this.completed = [];
    return events;
  }
}
