import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/**
 * AES-256-GCM for small secrets stored in the database (a tenant's provider API key). Each value
 * gets a random 96-bit IV; the layout is `version (1) | iv (12) | auth tag (16) | ciphertext`.
 * `context` (the tenant id) is bound as additional authenticated data, so a value copied into
 * another tenant's row does not decrypt there. Tampering with any byte fails authentication.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new SecretBoxError('SecretBox needs a 32-byte key');
    this.key = Buffer.from(key);
  }

  static fromBase64(key: string): SecretBox {
    return new SecretBox(Buffer.from(key, 'base64'));
  }

  seal(plaintext: string, context: string): Uint8Array<ArrayBuffer> {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const sealed = new Uint8Array(HEADER_BYTES + ciphertext.length);
    sealed[0] = VERSION;
    sealed.set(iv, 1);
    sealed.set(cipher.getAuthTag(), 1 + IV_BYTES);
    sealed.set(ciphertext, HEADER_BYTES);
    return sealed;
  }

  open(sealed: Uint8Array, context: string): string {
    if (sealed.length < HEADER_BYTES || sealed[0] !== VERSION) throw new SecretBoxError('Not a sealed value of a known version');
    const bytes = Buffer.from(sealed);
    const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(1, 1 + IV_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(bytes.subarray(1 + IV_BYTES, HEADER_BYTES));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(HEADER_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('The sealed value does not authenticate (wrong key, wrong context, or tampered)');
    }
  }
}
