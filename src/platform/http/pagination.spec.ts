import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { HttpError, HttpErrorCode } from './app-error.js';
import { DEFAULT_PAGE_SIZE, decodeCursor, encodeCursor, MAX_PAGE_SIZE, pageQuerySchema, toPage } from './pagination.js';

const positionSchema = z.object({ createdAt: z.iso.datetime(), id: z.guid() });
const position = { createdAt: '2026-11-22T10:00:00.000Z', id: '0b7e7f4a-3c1d-4e0a-9a4b-1f2e3d4c5b6a' };

function decodeError(cursor: string): unknown {
  try {
    decodeCursor(cursor, positionSchema);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('pageQuerySchema', () => {
  it('defaults the limit to 20', () => {
    expect(DEFAULT_PAGE_SIZE).toBe(20);
    expect(pageQuerySchema.parse({})).toEqual({ limit: 20 });
  });

  it.each([
    ['0', 1],
    ['-5', 1],
    ['1', 1],
    ['37', 37],
    ['100', 100],
    ['101', 100],
    ['100000', 100],
  ])('clamps limit=%s to %d', (limit, expected) => {
    expect(MAX_PAGE_SIZE).toBe(100);
    expect(pageQuerySchema.parse({ limit }).limit).toBe(expected);
  });

  it('refuses a limit that is not an integer', () => {
    expect(pageQuerySchema.safeParse({ limit: 'ten' }).success).toBe(false);
    expect(pageQuerySchema.safeParse({ limit: '2.5' }).success).toBe(false);
  });

  it('passes the cursor through, and refuses one longer than 512 characters', () => {
    expect(pageQuerySchema.parse({ cursor: 'abc' })).toEqual({ limit: 20, cursor: 'abc' });
    expect(pageQuerySchema.safeParse({ cursor: 'a'.repeat(513) }).success).toBe(false);
  });
});

describe('encodeCursor / decodeCursor', () => {
  it('round-trips a position', () => {
    const cursor = encodeCursor(position);

    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/); // base64url: safe in a query string as is
    expect(decodeCursor(cursor, positionSchema)).toEqual(position);
  });

  it('returns undefined when there is no cursor (first page)', () => {
    expect(decodeCursor(undefined, positionSchema)).toBeUndefined();
  });

  it.each([
    ['not base64url JSON', '!!!not-a-cursor!!!'],
    ['base64url of non-JSON', Buffer.from('hello').toString('base64url')],
    ['JSON of another shape (another list)', encodeCursor({ name: 'x', offset: 3 })],
    ['a position with a bad id', encodeCursor({ ...position, id: 'not-a-uuid' })],
    ['JSON null', encodeCursor(null)],
    ['an empty string', ''],
  ])('refuses %s with HttpError invalid_cursor (400)', (_name, cursor) => {
    const error = decodeError(cursor);

    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ code: HttpErrorCode.InvalidCursor, status: 400 });
  });
});

describe('toPage', () => {
  const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `row-${i + 1}` }));
  const positionOf = (row: { id: string }) => ({ id: row.id });

  it('gives a next cursor pointing at the last row returned when a further row exists', () => {
    const page = toPage(rows(4), 3, positionOf);

    expect(page.data.map((r) => r.id)).toEqual(['row-1', 'row-2', 'row-3']);
    expect(page.nextCursor).not.toBeNull();
    expect(decodeCursor(page.nextCursor!, z.object({ id: z.string() }))).toEqual({ id: 'row-3' });
  });

  it.each([
    ['exactly limit rows', 3],
    ['fewer rows than the limit', 2],
    ['no rows', 0],
  ])('gives no next cursor with %s', (_name, n) => {
    const page = toPage(rows(n), 3, positionOf);

    expect(page).toEqual({ data: rows(n), nextCursor: null });
  });
});
