import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { SecretBox, SecretBoxError } from './secret-box.js';

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
    expect(() => box.open(Uint8Array.of(2, ...sealed.subarray(1)), TENANT_A)).toThrow(SecretBoxError);
  });

  it('needs a 32-byte key', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow(SecretBoxError);
    expect(SecretBox.fromBase64(randomBytes(32).toString('base64'))).toBeInstanceOf(SecretBox);
  });
});
