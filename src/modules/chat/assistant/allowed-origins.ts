import { z } from 'zod';

/** At most this many origins per tenant (the column's CHECK says the same). */
export const MAX_ALLOWED_ORIGINS = 50;
const MAX_ORIGIN_CHARS = 300;

/**
 * An origin as browsers send it in the Origin header (RFC 6454 serialization): `scheme://host[:port]`,
 * lowercase, punycode host, default port dropped. Accepts what people paste ("https://Shop.Example/",
 * "https://shop.example:443") and refuses what is not an origin: a path, a query, a fragment,
 * credentials, a wildcard, another scheme. Returns the serialized origin, or why it is refused.
 */
export function normaliseOrigin(input: string): { origin: string } | { error: string } {
  const value = input.trim();
  if (value.includes('*')) return { error: 'wildcards are not supported: list each origin' };
  const url = URL.parse(value);
  if (!url || !/^https?:\/\/[^/]/i.test(value)) return { error: 'must be an origin such as https://www.example.com' };
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { error: 'must be an http:// or https:// origin' };
  if (url.username || url.password) return { error: 'must not carry credentials' };
  if (url.pathname !== '/' || url.search || url.hash || /[?#]/.test(value)) return { error: 'must be scheme://host[:port] only: no path, query or fragment' };
  return { origin: url.origin };
}

/** The request field: normalised, duplicates dropped (first occurrence kept), order kept. */
export const allowedOriginsSchema = z
  .array(z.string().max(MAX_ORIGIN_CHARS), { error: 'must be a list of origins' })
  .max(MAX_ALLOWED_ORIGINS, `at most ${MAX_ALLOWED_ORIGINS} origins`)
  .transform((values, ctx) => {
    const origins: string[] = [];
    values.forEach((value, index) => {
      const result = normaliseOrigin(value);
      if ('error' in result) ctx.addIssue({ code: 'custom', path: [index], message: result.error });
      else if (!origins.includes(result.origin)) origins.push(result.origin);
    });
    return origins;
  });
