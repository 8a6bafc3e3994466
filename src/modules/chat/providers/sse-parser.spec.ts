import { describe, expect, it } from '@jest/globals';
import { SseParser } from './sse-parser.js';

const parseAll = (chunks: string[]) => {
  const parser = new SseParser();
  return [...chunks.flatMap((c) => parser.push(c)), ...parser.end()];
};

describe('SseParser', () => {
  it('parses data events ended by blank lines', () => {
    expect(parseAll(['data: {"a":1}\n\ndata: [DONE]\n\n'])).toEqual([{ data: '{"a":1}' }, { data: '[DONE]' }]);
  });

  it('joins multi-line data, keeps event names, ignores comments and unknown fields', () => {
    expect(parseAll([': keep-alive\nevent: error\nid: 7\ndata: one\ndata:two\n\n'])).toEqual([{ event: 'error', data: 'one\ntwo' }]);
  });

  it('gives the same events however the body is split, with LF, CRLF or CR line ends', () => {
    const body = 'data: first\r\n\r\ndata: second\r\rdata: third\n\n';
    const whole = parseAll([body]);
    const byCharacter = parseAll([...body]);

    expect(whole).toEqual([{ data: 'first' }, { data: 'second' }, { data: 'third' }]);
    expect(byCharacter).toEqual(whole);
  });

  it('dispatches a last event that the body ends without a blank line', () => {
    expect(parseAll(['data: a\n\ndata: b'])).toEqual([{ data: 'a' }, { data: 'b' }]);
  });

  it('ignores blank lines without data', () => {
    expect(parseAll(['\n\n\n'])).toEqual([]);
  });

  it('refuses a provider that sends a megabyte without ending a line, instead of buffering it', () => {
    const parser = new SseParser();
    expect(parser.push('data: ok\n\n')).toEqual([{ data: 'ok' }]);
    expect(() => {
      for (let i = 0; i < 20; i++) parser.push(`data: ${'x'.repeat(100_000)}`);
    }).toThrow();
  });
});
