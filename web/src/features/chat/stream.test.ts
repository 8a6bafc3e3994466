import { describe, expect, it } from 'vitest';
import { applyReplyEvent, initialReply, nextAnnouncement, readEventStream, readReply, type ReplyEvent } from './stream.ts';

/** A byte stream delivered in the given chunks (split anywhere, even inside a UTF-8 character). */
function streamOf(...chunks: Array<string | Uint8Array>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
      controller.close();
    },
  });
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('readEventStream', () => {
  it('reads events split across chunks, skipping comments and joining data lines', async () => {
    const events = await collect(
      readEventStream(streamOf('event: delta\nda', 'ta: {"text":"Hel"}\n\n: keep-alive\n\n', 'event: delta\r\ndata: {"text":"lo"}\r\n\r\ndata: a\ndata: b\n\n')),
    );
    expect(events).toEqual([
      { event: 'delta', data: '{"text":"Hel"}' },
      { event: 'delta', data: '{"text":"lo"}' },
      { event: 'message', data: 'a\nb' },
    ]);
  });

  it('decodes a multi-byte character split between two chunks', async () => {
    const bytes = new TextEncoder().encode('event: delta\ndata: {"text":"é"}\n\n');
    const cut = bytes.indexOf(0xc3) + 1;
    const events = await collect(readEventStream(streamOf(bytes.slice(0, cut), bytes.slice(cut))));
    expect(events).toEqual([{ event: 'delta', data: '{"text":"é"}' }]);
  });

  it('drops an event that the stream cut before its blank line', async () => {
    expect(await collect(readEventStream(streamOf('event: delta\ndata: {"text":"x"}\n')))).toEqual([]);
  });
});

describe('readReply and applyReplyEvent', () => {
  it('folds the API’s delta and done events into the reply', async () => {
    const events = await collect(
      readReply(
        streamOf(
          'event: delta\ndata: {"text":"Hello "}\n\n',
          'event: delta\ndata: {"text":"world"}\n\n',
          'event: done\ndata: {"messageId":"m1","model":"mock-1","reply":"Hello world","usage":{}}\n\n',
        ),
      ),
    );
    const state = events.reduce(applyReplyEvent, initialReply());
    expect(state).toEqual({ messageId: 'm1', text: 'Hello world', status: 'complete' });
  });

  it('keeps the text so far and the problem when the stream ends in an error', () => {
    const events: ReplyEvent[] = [
      { type: 'start', messageId: 'm2' },
      { type: 'delta', text: 'Partial' },
      { type: 'error', problem: { status: 502, code: 'provider_failed', detail: 'The model did not answer' } },
    ];
    const state = events.reduce(applyReplyEvent, initialReply());
    expect(state.status).toBe('failed');
    expect(state.text).toBe('Partial');
    expect(state.messageId).toBe('m2');
    expect(state.problem?.code).toBe('provider_failed');
  });

  it('replaces the text with a re-attach snapshot, then follows it', () => {
    const events: ReplyEvent[] = [
      { type: 'snapshot', text: 'So far', messageId: 'm3' },
      { type: 'delta', text: ', and more' },
    ];
    expect(events.reduce(applyReplyEvent, { ...initialReply(), text: 'stale' }).text).toBe('So far, and more');
  });

  it('skips unknown events and malformed data', async () => {
    const events = await collect(readReply(streamOf('event: ping\ndata: {}\n\nevent: delta\ndata: not json\n\nevent: done\ndata: {}\n\n')));
    expect(events).toEqual([]);
  });
});

describe('nextAnnouncement', () => {
  it('announces completed sentences once, and the rest when the reply is final', () => {
    let announced = 0;
    const first = nextAnnouncement('Hello there. How', announced, false);
    expect(first.say).toBe('Hello there.');
    announced = first.announced;
    expect(nextAnnouncement('Hello there. How', announced, false).say).toBe('');
    const last = nextAnnouncement('Hello there. How are you', announced, true);
    expect(last.say).toBe('How are you');
    expect(nextAnnouncement('Hello there. How are you', last.announced, true).say).toBe('');
  });
});
