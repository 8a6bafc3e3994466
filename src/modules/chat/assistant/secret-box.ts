import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { LEGACY_KEY_ID, type NamedKey } from '../../../platform/crypto/keyring.js';

/** Before key ids: `1 | iv (12) | tag (16) | ciphertext`, sealed with the one CHAT_ENCRYPTION_KEY. */
const V1 = 1;
/** With the key id: `2 | id length (1) | id | iv (12) | tag (16) | ciphertext`. */
const V2 = 2;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/**
 * AES-256-GCM for small secrets stored in the database (a tenant's provider API key), under a
 * keyring: sealing uses the current key (the first) and writes its id into the value; opening
 * picks the key by that id, so values sealed before a rotation still open as long as their key is
 * in the ring (docs/adr/0014-object-storage-and-key-rotation.md). Each value gets a random 96-bit
 * IV. `context` (the tenant id) and the header (version and key id) are authenticated data: a
 * value copied into another tenant's row, or relabelled with another key id, does not open.
 * Values of the first format (no key id) are tried against every key of the ring.
 */
export class SecretBox {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly current: NamedKey;

  constructor(keyring: Uint8Array | readonly NamedKey[]) {
    const ring = keyring instanceof Uint8Array ? [{ id: LEGACY_KEY_ID, key: Buffer.from(keyring) }] : keyring;
    if (ring.length === 0) throw new SecretBoxError('SecretBox needs at least one key');
    for (const k of ring) if (k.key.length !== 32) throw new SecretBoxError(`SecretBox needs 32-byte keys ('${k.id}' is not)`);
    this.keys = new Map(ring.map((k) => [k.id, Buffer.from(k.key)]));
    this.current = ring[0]!;
  }

  /** A single-key box (the key id LEGACY_KEY_ID), as CHAT_ENCRYPTION_KEY alone gives. */
  static fromBase64(key: string): SecretBox {
    return new SecretBox(Buffer.from(key, 'base64'));
  }

  /** The id of the key that seals. */
  get currentKeyId(): string {
    return this.current.id;
  }

  seal(plaintext: string, context: string): Uint8Array<ArrayBuffer> {
    const id = Buffer.from(this.current.id, 'utf8');
    const header = Buffer.concat([Buffer.of(V2, id.length), id]);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.concat([header, Buffer.from(context, 'utf8')]));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const sealed = new Uint8Array(header.length + IV_BYTES + TAG_BYTES + ciphertext.length);
    sealed.set(header, 0);
    sealed.set(iv, header.length);
    sealed.set(cipher.getAuthTag(), header.length + IV_BYTES);
    sealed.set(ciphertext, header.length + IV_BYTES + TAG_BYTES);
    return sealed;
  }

  open(sealed: Uint8Array, context: string): string {
    const bytes = Buffer.from(sealed);
    if (bytes[0] === V1 && bytes.length >= 1 + IV_BYTES + TAG_BYTES) {
      // No key id: whichever key of the ring authenticates it sealed it (GCM tells them apart).
      for (const key of this.keys.values()) {
        const opened = tryOpen(key, bytes.subarray(1), Buffer.from(context, 'utf8'));
        if (opened !== undefined) return opened;
      }
      throw new SecretBoxError(
        `The sealed value (of the format without key ids) does not authenticate with any key of the ring (${[...this.keys.keys()].join(', ')}): wrong key, wrong context, or tampered`,
      );
    }
    const keyId = keyIdOf(bytes);
    if (keyId === undefined) throw new SecretBoxError('Not a sealed value of a known version');
    const key = this.keys.get(keyId);
    if (!key) {
      throw new SecretBoxError(
        `The value is sealed with key '${keyId}', which is not in the keyring (${[...this.keys.keys()].join(', ')}): put it back in CHAT_ENCRYPTION_KEYS, or store the secret again`,
      );
    }
    const headerLength = 2 + bytes[1]!;
    const opened = tryOpen(key, bytes.subarray(headerLength), Buffer.concat([bytes.subarray(0, headerLength), Buffer.from(context, 'utf8')]));
    if (opened === undefined) throw new SecretBoxError(`The sealed value does not authenticate with key '${keyId}' (wrong context, or tampered)`);
    return opened;
  }

  /** Whether `sealed` is already sealed with the current key (a rotation leaves it alone). */
  isCurrent(sealed: Uint8Array): boolean {
    return keyIdOf(Buffer.from(sealed)) === this.current.id;
  }
}

/** The key id of a value of the second format, or undefined (first format, or malformed). */
export function keyIdOf(bytes: Buffer): string | undefined {
  if (bytes[0] !== V2 || bytes.length < 2) return undefined;
  const headerLength = 2 + bytes[1]!;
  if (bytes[1] === 0 || bytes.length < headerLength + IV_BYTES + TAG_BYTES) return undefined;
  return bytes.subarray(2, headerLength).toString('utf8');
}

/** `iv | tag | ciphertext` opened with `key`, or undefined when it does not authenticate. */
function tryOpen(key: Buffer, body: Buffer, aad: Buffer): string | undefined {
  const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(0, IV_BYTES));
  decipher.setAAD(aad);
  decipher.setAuthTag(body.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(body.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
