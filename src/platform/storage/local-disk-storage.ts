import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertObjectKey, assertPrefix, ObjectNotFoundError, ObjectStorage } from './object-storage.js';

/**
 * Objects as files under one directory (STORAGE_DIR), for development and single-host deployments.
 * A put writes `<key>.<random>.part` and renames it into place once complete (atomic on one file
 * system), so a reader sees the old object or the new one, never part of one. Several API and
 * worker processes share it only when they share the directory (one host, or a shared volume).
 */
export class LocalDiskStorage extends ObjectStorage {
  readonly driver = 'local' as const;
  private readonly root: string;

  constructor(directory: string) {
    super();
    this.root = path.resolve(directory);
  }

  async put(key: string, body: Readable, _contentType: string): Promise<{ sizeBytes: number }> {
    const file = this.fileOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    const partial = `${file}.${randomBytes(6).toString('hex')}.part`;
    const out = createWriteStream(partial, { flags: 'wx' });
    try {
      await pipeline(body, out);
      await rename(partial, file);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    return { sizeBytes: out.bytesWritten };
  }

  async get(key: string): Promise<Readable> {
    const stream = createReadStream(this.fileOf(key));
    // Open before answering, so that a missing object is an error here rather than mid-response.
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? new ObjectNotFoundError(key) : error));
    });
    return stream;
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) await rm(this.fileOf(key), { force: true });
  }

  async deletePrefix(prefix: string): Promise<void> {
    assertPrefix(prefix);
    await rm(this.fileOf(prefix.slice(0, -1)), { recursive: true, force: true });
  }

  private fileOf(key: string): string {
    assertObjectKey(key);
    return path.join(this.root, ...key.split('/'));
  }
}
