import { API_KEY_PREFIX } from '../../../platform/security/principal.js';
import { compactUuid, expandUuid, randomSecret } from '../../../platform/crypto/tokens.js';

/**
 * `tnry_<tenant id, 32 hex>_<secret, 43 base64url>`. The tenant id is not secret: it lets the key
 * be looked up under that tenant's row-level security instead of across all tenants. The stored
 * `prefix` (shown in lists) is the key's first characters up to 8 of the secret.
 */
export interface ParsedApiKey {
  tenantId: string;
  raw: string;
}

export function newApiKey(tenantId: string): { raw: string; prefix: string } {
  const secret = randomSecret(32);
  const raw = `${API_KEY_PREFIX}${compactUuid(tenantId)}_${secret}`;
  return { raw, prefix: `${API_KEY_PREFIX}${secret.slice(0, 8)}` };
}

export function parseApiKey(raw: string): ParsedApiKey | undefined {
  const match = /^tnry_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/.exec(raw);
  const tenantId = match ? expandUuid(match[1]!) : undefined;
  return tenantId ? { tenantId, raw } : undefined;
}
