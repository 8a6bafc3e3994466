import { describe, expect, it } from '@jest/globals';
import { findUnstorableText, jsonDepthExceeds } from './input-boundary.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('jsonDepthExceeds', () => {
  it('counts objects and arrays, not brackets inside strings or escaped quotes', () => {
    expect(jsonDepthExceeds(bytes('[[[]]]'), 3)).toBe(false);
    expect(jsonDepthExceeds(bytes('[[[[]]]]'), 3)).toBe(true);
    expect(jsonDepthExceeds(bytes('{"a":{"b":[1]}}'), 3)).toBe(false);
    expect(jsonDepthExceeds(bytes('{"a":{"b":[{}]}}'), 3)).toBe(true);
    expect(jsonDepthExceeds(bytes(JSON.stringify({ a: '[[[[[[{{{{' })), 1)).toBe(false);
    expect(jsonDepthExceeds(bytes(JSON.stringify({ a: 'quote \\" [[[[', b: '\\' })), 1)).toBe(false);
    expect(jsonDepthExceeds(bytes(JSON.stringify({ a: 'é😀[[[' })), 1)).toBe(false); // multi-byte characters
  });

  it('measures depth, not the number of siblings', () => {
    expect(jsonDepthExceeds(bytes(JSON.stringify(Array.from({ length: 10_000 }, () => [1]))), 2)).toBe(false);
  });
});

describe('findUnstorableText', () => {
  it('finds NUL and unpaired surrogates in values and keys at any depth, naming the path', () => {
    expect(findUnstorableText({ a: [{ b: 'x\u0000' }] }, 'body')).toEqual({ field: 'body.a.0.b', message: expect.stringContaining('NUL') });
    expect(findUnstorableText({ a: { '\ud800': 1 } }, 'body')).toEqual({ field: 'body.a.(key)', message: expect.stringContaining('surrogate') });
    expect(findUnstorableText('\udc00', 'query')).toEqual({ field: 'query', message: expect.stringContaining('surrogate') });
  });

  it('lets well-formed text through, astral characters included', () => {
    expect(findUnstorableText({ a: ['😀', 'é', 'plain', 1, null, true], b: { c: '\ud83d\ude00' } }, 'body')).toBeUndefined();
  });

  it('walks 100,000 levels without exhausting the stack', () => {
    let deep: unknown = 'a\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findUnstorableText(deep, 'body')?.message).toContain('NUL');
  });
});
