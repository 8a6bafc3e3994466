import { randomBytes } from 'node:crypto';

/** The tenants_slug_format check of the kernel migration. */
export const SLUG_FORMAT = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Slugs that name parts of the product, never a tenant (they would read as routes or hosts). */
const RESERVED = new Set(['admin', 'api', 'app', 'auth', 'docs', 'health', 'static', 'status', 'support', 'tenantry', 'www']);

const MAX_BASE = 50;

/** "Société Générale & Co." -> "societe-generale-co"; "tenant" when nothing usable is left. */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, MAX_BASE)
    .replace(/^-+|-+$/g, '');
  return slug || 'tenant';
}

/** The base with a short random suffix: "acme-3f9a1c". Still within the format's 63 characters. */
export function withSuffix(base: string): string {
  return `${base}-${randomBytes(3).toString('hex')}`;
}

export function isReservedSlug(slug: string): boolean {
  return RESERVED.has(slug);
}
