import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LocalDiskStorage } from '../../src/platform/storage/local-disk-storage.js';
import { ObjectNotFoundError, type ObjectStorage } from '../../src/platform/storage/object-storage.js';
import { S3Storage } from '../../src/platform/storage/s3-storage.js';
import { startTestS3, type TestS3 } from '../support/s3-server.js';

/**
 * The object storage drivers, each against the real thing: a directory for the local driver, and
 * an S3-compatible server over HTTP (s3rver) for the S3 driver. The same specification for both.
 */

const S3_PORT = 3301;
let dir: string;
let s3: TestS3;
const drivers: Record<'local' | 's3', () => ObjectStorage> = {} as never;
const opened: S3Storage[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tenantry-local-storage-'));
  s3 = await startTestS3(S3_PORT);
  drivers.local = () => new LocalDiskStorage(dir);
  drivers.s3 = () => {
    const storage = new S3Storage({
      bucket: s3.bucket,
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    opened.push(storage);
    return storage;
  };
});
afterAll(async () => {
  for (const storage of opened) storage.destroy();
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A body produced piece by piece, `pieces` of `size` bytes, never held whole. */
function generated(pieces: number, size: number, failAfter?: number): Readable {
  return Readable.from(
    (async function* () {
      for (let i = 0; i < pieces; i++) {
        if (failAfter !== undefined && i === failAfter) throw new Error('the body failed');
        yield Buffer.alloc(size, 97 + (i % 26));
      }
    })(),
    { objectMode: false },
  );
}

const key = () => `tenants/${crypto.randomUUID()}/exports/${crypto.randomUUID()}.json`;

describe.each(['local', 's3'] as const)('the %s driver', (name) => {
  it('stores a streamed body and reads it back, byte for byte, with its size', async () => {
    const storage = drivers[name]();
    const body = randomBytes(300_000);
    const k = key();

    expect(await storage.put(k, Readable.from([body.subarray(0, 1000), body.subarray(1000)]), 'application/json')).toEqual({ sizeBytes: body.length });
    expect((await readAll(await storage.get(k))).equals(body)).toBe(true);
  });

  it('streams a body larger than one upload part (multipart on S3) without holding it', async () => {
    const storage = drivers[name]();
    const k = key();

    const { sizeBytes } = await storage.put(k, generated(12, 1024 * 1024), 'application/json');

    expect(sizeBytes).toBe(12 * 1024 * 1024);
    const back = await readAll(await storage.get(k));
    expect(back.length).toBe(sizeBytes);
    expect(back[0]).toBe(97);
    expect(back[back.length - 1]).toBe(97 + 11);
  });

  it('replaces an object written again at the same key', async () => {
    const storage = drivers[name]();
    const k = key();
    await storage.put(k, Readable.from([Buffer.from('first')]), 'text/plain');

    await storage.put(k, Readable.from([Buffer.from('second')]), 'text/plain');

    expect((await readAll(await storage.get(k))).toString()).toBe('second');
  });

  it('leaves no object behind when the body fails half-way', async () => {
    const storage = drivers[name]();
    const k = key();

    await expect(storage.put(k, generated(8, 1024 * 1024, 6), 'application/json')).rejects.toThrow('the body failed');

    await expect(storage.get(k)).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('answers ObjectNotFoundError for a missing key, and deletes (missing keys are no error)', async () => {
    const storage = drivers[name]();
    const [a, b] = [key(), key()];
    await storage.put(a, Readable.from([Buffer.from('a')]), 'text/plain');

    await storage.delete([a, b]);

    await expect(storage.get(a)).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(storage.get(b)).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('deletes a whole prefix, and nothing outside it', async () => {
    const storage = drivers[name]();
    const tenant = crypto.randomUUID();
    const inside = Array.from({ length: 5 }, () => `tenants/${tenant}/exports/${crypto.randomUUID()}.json`);
    const outside = key();
    for (const k of [...inside, outside]) await storage.put(k, Readable.from([Buffer.from(k)]), 'application/json');

    await storage.deletePrefix(`tenants/${tenant}/`);

    for (const k of inside) await expect(storage.get(k)).rejects.toBeInstanceOf(ObjectNotFoundError);
    expect((await readAll(await storage.get(outside))).toString()).toBe(outside);
    await storage.deletePrefix(`tenants/${tenant}/`); // nothing left: no error
    await expect(storage.deletePrefix('tenants/../')).rejects.toThrow(/invalid object/);
    await expect(storage.deletePrefix('tenants')).rejects.toThrow(/invalid object prefix/);
  });

  it.each(['../escape.json', 'tenants/../../etc/passwd', '/absolute', 'tenants//x', 'tenants/a b'])('refuses the key %j', async (bad) => {
    const storage = drivers[name]();

    await expect(storage.put(bad, Readable.from([Buffer.from('x')]), 'text/plain')).rejects.toThrow(/invalid object key/);
    await expect(storage.get(bad)).rejects.toThrow(/invalid object key/);
  });
});

describe('the local driver', () => {
  it('keeps objects as files under its directory, and no partial file after a failed put', async () => {
    const storage = drivers.local();
    const k = key();
    await storage.put(k, Readable.from([Buffer.from('{}')]), 'application/json');
    await expect(storage.put(key(), generated(3, 1024, 1), 'application/json')).rejects.toThrow();

    const files = (await readdir(dir, { recursive: true })).map(String);
    expect(files).toContain(path.join(...k.split('/')));
    expect(files.filter((f) => f.endsWith('.part'))).toEqual([]);
  });
});
