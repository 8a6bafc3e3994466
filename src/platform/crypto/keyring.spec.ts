import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../config/config.js';
import { KeyringError, parseKeyring } from './keyring.js';

const key = () => randomBytes(32).toString('base64');
const BASE = {
  DATABASE_URL: 'postgresql://owner:owner-pw@db.internal:5432/tenantry',
  APP_DATABASE_URL: 'postgresql://app:app-pw@db.internal:5432/tenantry',
  PLATFORM_DATABASE_URL: 'postgresql://platform:platform-pw@db.internal:5432/tenantry',
  REDIS_URL: 'redis://cache.internal:6379/0',
  JWT_SECRET: 'jwt-secret-0123456789abcdef0123456789abcdef',
};

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('parseKeyring', () => {
  it('reads id:base64 entries in order, the first current, and adds CHAT_ENCRYPTION_KEY as k0 last', () => {
    const [k2, k1, old] = [key(), key(), key()];

    const ring = parseKeyring(` k2:${k2} , k1:${k1} `, old);

    expect(ring.map((k) => k.id)).toEqual(['k2', 'k1', 'k0']);
    expect(ring[0]!.key).toEqual(Buffer.from(k2, 'base64'));
    expect(parseKeyring(undefined, old).map((k) => k.id)).toEqual(['k0']);
  });

  it.each([
    ['no key at all', '', undefined, /at least one key/],
    ['an entry without an id', `${key()}`, undefined, /id:base64/],
    ['a key of the wrong length', `k1:${randomBytes(16).toString('base64')}`, undefined, /key 'k1' must be 32 bytes/],
    ['an id with other characters', `k 1:${key()}`, undefined, /key id 'k 1'/],
    ['an id twice', `k1:${key()},k1:${key()}`, undefined, /'k1' appears twice/],
    ['k0 beside CHAT_ENCRYPTION_KEY', `k0:${key()}`, key(), /'k0' appears twice \(CHAT_ENCRYPTION_KEY is 'k0'\)/],
  ])('refuses %s', (_case, list, legacy, message) => {
    expect(() => parseKeyring(list, legacy)).toThrow(KeyringError);
    expect(() => parseKeyring(list, legacy)).toThrow(message);
  });
});

describe('the keyring in the configuration', () => {
  it('accepts CHAT_ENCRYPTION_KEYS alone, or beside CHAT_ENCRYPTION_KEY', () => {
    expect(loadConfig({ ...BASE, CHAT_ENCRYPTION_KEYS: `k1:${key()}` }).chatEncryptionKeys.map((k) => k.id)).toEqual(['k1']);
    expect(loadConfig({ ...BASE, CHAT_ENCRYPTION_KEYS: `k1:${key()}`, CHAT_ENCRYPTION_KEY: key() }).chatEncryptionKeys.map((k) => k.id)).toEqual(['k1', 'k0']);
  });

  it('needs one of them, and says which', () => {
    expect(problems(BASE)).toEqual(['CHAT_ENCRYPTION_KEY is required']);
  });

  it('names a bad keyring without echoing its keys', () => {
    const secret = randomBytes(16).toString('base64');
    const found = problems({ ...BASE, CHAT_ENCRYPTION_KEYS: `k1:${secret}` });

    expect(found).toEqual(["CHAT_ENCRYPTION_KEYS key 'k1' must be 32 bytes, base64-encoded"]);
    expect(found.join()).not.toContain(secret);
  });

  it('masks the keyring and the S3 secret in describe()', () => {
    const config = loadConfig({ ...BASE, CHAT_ENCRYPTION_KEYS: `k1:${key()}`, S3_SECRET_ACCESS_KEY: 's3-secret', S3_ACCESS_KEY_ID: 'id' });

    expect(config.describe()).toMatchObject({ CHAT_ENCRYPTION_KEYS: '[secret]', S3_SECRET_ACCESS_KEY: '[secret]', S3_ACCESS_KEY_ID: 'id' });
  });
});

describe('the storage configuration', () => {
  const withKey = { ...BASE, CHAT_ENCRYPTION_KEY: key() };

  it('defaults to the local driver in var/storage', () => {
    expect(loadConfig(withKey).env).toMatchObject({ STORAGE_DRIVER: 'local', STORAGE_DIR: 'var/storage', S3_FORCE_PATH_STYLE: false });
  });

  it('needs a bucket for the s3 driver, and both credentials or neither', () => {
    expect(problems({ ...withKey, STORAGE_DRIVER: 's3' })).toEqual(['S3_BUCKET is required']);
    expect(problems({ ...withKey, STORAGE_DRIVER: 's3', S3_BUCKET: 'exports', S3_ACCESS_KEY_ID: 'id' })).toEqual(['S3_SECRET_ACCESS_KEY is required']);
    expect(problems({ ...withKey, STORAGE_DRIVER: 's3', S3_BUCKET: 'exports', S3_ENDPOINT: 'http://minio:9000', S3_FORCE_PATH_STYLE: 'true' })).toEqual([]);
  });
});
