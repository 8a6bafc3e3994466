import { z } from 'zod';
import { HttpError, HttpErrorCode } from './app-error.js';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

/** Query string of every cursor-paginated list: `?limit=&cursor=`. The limit is clamped, not refused. */
export const pageQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .optional()
    .transform((n) => Math.min(Math.max(n ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE)),
  cursor: z.string().max(512).optional(),
});

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** Cursors are opaque to clients: base64url of a JSON position, validated when read back. */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

export function decodeCursor<S extends z.ZodType>(cursor: string | undefined, schema: S): z.output<S> | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through: not base64url JSON
  }
  throw new HttpError(HttpErrorCode.InvalidCursor, 'The cursor is malformed or from another list');
}

/**
 * Builds a page from rows fetched with `take: limit + 1`: the extra row only tells that a next
 * page exists, and the cursor points at the last row returned.
 */
export function toPage<T>(rows: T[], limit: number, positionOf: (row: T) => unknown): Page<T> {
  const data = rows.slice(0, limit);
  const last = data[data.length - 1];
  return { data, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(positionOf(last)) : null };
}
