import { compactUuid, expandUuid, randomSecret } from '../../../platform/crypto/tokens.js';

/**
 * `<tenant id, 32 hex>.<secret, 43 base64url>`. The tenant id is not secret: it lets the token be
 * looked up under that tenant's row-level security. Only its sha256 is stored.
 */
export function newInvitationToken(tenantId: string): string {
  return `${compactUuid(tenantId)}.${randomSecret(32)}`;
}

/** The tenant a token names, or undefined when it is not an invitation token at all. */
export function invitationTenantOf(token: string): string | undefined {
  const match = /^([0-9a-f]{32})\.[A-Za-z0-9_-]{43}$/.exec(token);
  return match ? expandUuid(match[1]!) : undefined;
}
