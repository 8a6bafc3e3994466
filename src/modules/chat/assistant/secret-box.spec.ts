import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { SecretBox, SecretBoxError } from './secret-box.js';

/** A value of the first format (no key id), as SecretBox sealed them before keyrings. */
function sealV1(key: Buffer, plaintext: string, context: string): Uint8Array {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Uint8Array.from(Buffer.concat([Buffer.of(1), iv, cipher.getAuthTag(), ciphertext]));
}

const TENANT_A = '7d1c5e0a-1b2c-4d3e-8f40-5a6b7c8d9e0f';
const TENANT_B = '0b9e8d7c-6b5a-4f40-8e3d-2c1b0a9f8e7d';
const box = new SecretBox(randomBytes(32));

describe('SecretBox (AES-256-GCM)', () => {
  it('opens what it sealed', () => {
    const sealed = box.seal('sk-live-0123456789', TENANT_A);

    expect(box.open(sealed, TENANT_A)).toBe('sk-live-0123456789');
  });

  it('never stores the plaintext, and seals the same value differently each time (random IV)', () => {
    const one = box.seal('sk-live-0123456789', TENANT_A);
    const two = box.seal('sk-live-0123456789', TENANT_A);

    expect(Buffer.from(one).toString('latin1')).not.toContain('sk-live');
    expect(Buffer.from(one).equals(Buffer.from(two))).toBe(false);
    expect(Buffer.from(one.subarray(1, 13)).equals(Buffer.from(two.subarray(1, 13)))).toBe(false);
  });

  it('refuses a value bound to another tenant', () => {
    const sealed = box.seal('sk-live-0123456789', TENANT_A);

    expect(() => box.open(sealed, TENANT_B)).toThrow(SecretBoxError);
  });

  it('refuses a value sealed with another key', () => {
    const sealed = new SecretBox(randomBytes(32)).seal('sk-live-0123456789', TENANT_A);

    expect(() => box.open(sealed, TENANT_A)).toThrow(SecretBoxError);
  });

  it.each([
    ['the ciphertext', (s: Uint8Array) => s.length - 1],
    ['the auth tag', () => 20],
    ['the IV', () => 3],
  ])('refuses a value whose %s was altered', (_part, index) => {
    const sealed = box.seal('sk-live-0123456789', TENANT_A);
    sealed[index(sealed)]! ^= 0x01;

    expect(() => box.open(sealed, TENANT_A)).toThrow(SecretBoxError);
  });

  it('refuses truncated values and unknown versions', () => {
    const sealed = box.seal('x', TENANT_A);

    expect(() => box.open(sealed.subarray(0, 20), TENANT_A)).toThrow(SecretBoxError);
    expect(() => box.open(Uint8Array.of(3, ...sealed.subarray(1)), TENANT_A)).toThrow(SecretBoxError);
  });

  it('needs a 32-byte key', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow(SecretBoxError);
    expect(SecretBox.fromBase64(randomBytes(32).toString('base64'))).toBeInstanceOf(SecretBox);
  });
});

describe('SecretBox with a keyring (rotation)', () => {
  const k1 = { id: 'k1', key: randomBytes(32) };
  const k2 = { id: 'k2', key: randomBytes(32) };

  it('seals with the current (first) key and says so in the value', () => {
    const ring = new SecretBox([k2, k1]);
    const sealed = ring.seal('sk-live-0123456789', TENANT_A);

    expect(ring.currentKeyId).toBe('k2');
    expect(ring.isCurrent(sealed)).toBe(true);
    expect(Buffer.from(sealed.subarray(0, 4))).toEqual(Buffer.from([2, 2, ...Buffer.from('k2')]));
    expect(new SecretBox([k2]).open(sealed, TENANT_A)).toBe('sk-live-0123456789');
  });

  it('opens what an older key of the ring sealed, and knows it is not current', () => {
    const old = new SecretBox([k1]).seal('sk-old', TENANT_A);
    const ring = new SecretBox([k2, k1]);

    expect(ring.open(old, TENANT_A)).toBe('sk-old');
    expect(ring.isCurrent(old)).toBe(false);
  });

  it('opens values of the format without key ids (sealed with CHAT_ENCRYPTION_KEY), with whichever key of the ring sealed them', () => {
    const legacy = sealV1(k1.key, 'sk-legacy', TENANT_A);

    expect(new SecretBox(k1.key).open(legacy, TENANT_A)).toBe('sk-legacy');
    expect(new SecretBox([k2, k1]).open(legacy, TENANT_A)).toBe('sk-legacy');
    expect(new SecretBox([k2, k1]).isCurrent(legacy)).toBe(false);
    expect(() => new SecretBox([k2]).open(legacy, TENANT_A)).toThrow(/format without key ids.*any key of the ring \(k2\)/);
    expect(() => new SecretBox([k2, k1]).open(legacy, TENANT_B)).toThrow(SecretBoxError);
  });

  it('fails clearly, naming the key, when the key that sealed a value was removed from the ring', () => {
    const sealed = new SecretBox([k1]).seal('sk-gone', TENANT_A);

    expect(() => new SecretBox([k2]).open(sealed, TENANT_A)).toThrow(
      new SecretBoxError("The value is sealed with key 'k1', which is not in the keyring (k2): put it back in CHAT_ENCRYPTION_KEYS, or store the secret again"),
    );
  });

  it('refuses a value relabelled with another key id of the ring (the header is authenticated)', () => {
    const k3 = { id: 'k3', key: k2.key };
    const sealed = new SecretBox([k2]).seal('sk-live', TENANT_A);
    sealed[3] = '3'.charCodeAt(0);

    expect(() => new SecretBox([k3, k2]).open(sealed, TENANT_A)).toThrow(/does not authenticate with key 'k3'/);
  });
});
