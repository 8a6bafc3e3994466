/**
 * Named 256-bit keys, the first one current: what a secret is sealed with today, while the others
 * still open what they sealed before a rotation (docs/adr/0014-object-storage-and-key-rotation.md).
 * Written `id:base64,id:base64` (CHAT_ENCRYPTION_KEYS); a single unnamed key (CHAT_ENCRYPTION_KEY)
 * is the key id LEGACY_KEY_ID.
 */
export interface NamedKey {
  id: string;
  key: Buffer;
}

/** The id of the single key of CHAT_ENCRYPTION_KEY, from before key ids. */
export const LEGACY_KEY_ID = 'k0';
export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

export class KeyringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyringError';
  }
}

/** One base64 key of 32 bytes; the message never contains the value. */
export function parseKey(id: string, base64: string): NamedKey {
  if (!KEY_ID_PATTERN.test(id)) throw new KeyringError(`key id '${id.slice(0, 40)}' must be 1 to 32 letters, digits, '_' or '-'`);
  const key = BASE64.test(base64) ? Buffer.from(base64, 'base64') : Buffer.alloc(0);
  if (key.length !== 32) throw new KeyringError(`key '${id}' must be 32 bytes, base64-encoded`);
  return { id, key };
}

/**
 * `id:base64,id:base64` (whitespace around entries ignored) plus, when given, the legacy single key
 * as LEGACY_KEY_ID at the end (current only when it is alone). Ids must be unique.
 */
export function parseKeyring(list: string | undefined, legacy?: string): NamedKey[] {
  const keys: NamedKey[] = [];
  for (const entry of (list ?? '').split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const colon = entry.indexOf(':');
    if (colon < 1) throw new KeyringError('entries must be id:base64 (e.g. k2:...,k1:...)');
    keys.push(parseKey(entry.slice(0, colon), entry.slice(colon + 1)));
  }
  if (legacy !== undefined && legacy !== '') keys.push(parseKey(LEGACY_KEY_ID, legacy));
  const ids = keys.map((k) => k.id);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate) throw new KeyringError(`key id '${duplicate}' appears twice${duplicate === LEGACY_KEY_ID ? ` (CHAT_ENCRYPTION_KEY is '${LEGACY_KEY_ID}')` : ''}`);
  if (keys.length === 0) throw new KeyringError('needs at least one key');
  return keys;
}
