import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { newUserToken, parseUserToken } from './user-token.js';

describe('user tokens (refresh and password reset)', () => {
  it('name their user and carry 256 random bits', () => {
    const userId = randomUUID();
    const token = newUserToken(userId);

    expect(token).toMatch(/^[0-9a-f]{32}\.[A-Za-z0-9_-]{43}$/);
    expect(parseUserToken(token)).toEqual({ userId, raw: token });
    expect(newUserToken(userId)).not.toBe(token);
  });

  it.each([
    ['empty', ''],
    ['no separator', 'a'.repeat(76)],
    ['a short secret', `${'a'.repeat(32)}.${'b'.repeat(42)}`],
    ['upper-case hex', `${'A'.repeat(32)}.${'b'.repeat(43)}`],
    ['a trailing newline', `${'a'.repeat(32)}.${'b'.repeat(43)}\n`],
    ['an API key', `tnry_${'a'.repeat(32)}_${'b'.repeat(43)}`],
    ['a JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'],
  ])('refuses %s', (_name, raw) => {
    expect(parseUserToken(raw)).toBeUndefined();
  });
});
