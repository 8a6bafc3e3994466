/**
 * A search text as a literal inside a LIKE pattern. Prisma's `contains` becomes
 * `ILIKE '%' || value || '%'` without escaping, so `%` and `_` in a search would be wildcards:
 * they, and PostgreSQL's default LIKE escape character (the backslash) itself, are escaped.
 */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}
