import { compactUuid, expandUuid, randomSecret } from '../../../platform/crypto/tokens.js';

/**
 * Opaque user-bound tokens (refresh tokens, password reset tokens): `<user id, 32 hex>.<secret, 43
 * base64url>`. The user id is not secret: it lets the lookup run under the user-owned RLS of
 * refresh_tokens and password_resets instead of across all users. Only sha256(token) is stored.
 */
export interface UserToken {
  userId: string;
  raw: string;
}

const FORMAT = /^([0-9a-f]{32})\.([A-Za-z0-9_-]{43})$/;

export function newUserToken(userId: string): string {
  return `${compactUuid(userId)}.${randomSecret(32)}`;
}

export function parseUserToken(raw: string): UserToken | undefined {
  const match = FORMAT.exec(raw);
  const userId = match ? expandUuid(match[1]!) : undefined;
  return userId ? { userId, raw } : undefined;
}
