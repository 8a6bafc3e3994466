import type { Readable } from 'node:stream';

/** An object that is not there (never written, or deleted). */
export class ObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`No object at ${key}`);
    this.name = 'ObjectNotFoundError';
  }
}

/**
 * Object keys are paths of plain segments (`tenants/<uuid>/exports/<uuid>.json`): letters, digits,
 * '.', '_' and '-', never '.' or '..' alone, never empty. The local driver maps them to files, so a
 * key can never name a file outside its directory.
 */
const SEGMENT = /^[A-Za-z0-9._-]{1,200}$/;

export function assertObjectKey(key: string): void {
  const segments = key.split('/');
  if (key.length > 1024 || segments.some((s) => !SEGMENT.test(s) || s === '.' || s === '..')) {
    throw new Error(`invalid object key: ${JSON.stringify(key.slice(0, 120))}`);
  }
}

/**
 * Where large files go instead of the database (export archives, ADR 0014): a local directory by
 * default, an S3-compatible bucket in production (STORAGE_DRIVER). Bodies are streams both ways, so
 * an object of any size passes through a fixed amount of memory.
 */
export abstract class ObjectStorage {
  /** Which driver this is, for logs. */
  abstract readonly driver: 'local' | 's3';

  /**
   * Stores `body` at `key`, replacing any object there, and resolves with the bytes written once
   * the object is complete. An object is never visible half-written: a body that fails leaves the
   * key as it was (absent, or the previous object).
   */
  abstract put(key: string, body: Readable, contentType: string): Promise<{ sizeBytes: number }>;

  /** The object's bytes as a stream; ObjectNotFoundError when there is none. */
  abstract get(key: string): Promise<Readable>;

  /** Deletes the objects; keys with no object are no error. */
  abstract delete(keys: readonly string[]): Promise<void>;

  /** Deletes every object whose key starts with `prefix` (a whole folder: it ends with '/'). */
  abstract deletePrefix(prefix: string): Promise<void>;
}

/** A folder prefix: plain segments ending with '/' (`tenants/<uuid>/`). */
export function assertPrefix(prefix: string): void {
  if (!prefix.endsWith('/')) throw new Error(`invalid object prefix: ${JSON.stringify(prefix.slice(0, 120))}`);
  assertObjectKey(prefix.slice(0, -1));
}
