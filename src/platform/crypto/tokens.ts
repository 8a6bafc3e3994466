import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A high-entropy secret for links and keys (256 bits, base64url). */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Hash of a high-entropy token for storage and lookup. Tokens carry 256 random bits, so a fast
 * hash is enough (unlike passwords); only the hash is stored, never the token.
 */
export function tokenHash(token: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(createHash('sha256').update(token).digest());
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A uuid as 32 hex digits (for embedding in tokens), and back. */
export function compactUuid(uuid: string): string {
  return uuid.replace(/-/g, '').toLowerCase();
}

export function expandUuid(hex: string): string | undefined {
  if (!/^[0-9a-f]{32}$/.test(hex)) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
