import { PassThrough, type Readable, Transform } from 'node:stream';
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { assertObjectKey, assertPrefix, ObjectNotFoundError, ObjectStorage } from './object-storage.js';

export interface S3StorageOptions {
  bucket: string;
  region: string;
  /** Unset: AWS. Set: MinIO, Ceph, R2, a test server. */
  endpoint?: string;
  forcePathStyle: boolean;
  /** Unset: the SDK's default credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** Parts of a multipart upload: S3's minimum, and with one part in flight the memory of a put is about this much. */
const PART_BYTES = 5 * 1024 * 1024;
/** DeleteObjects takes at most this many keys per call. */
const DELETE_BATCH = 1000;

/**
 * Objects in an S3-compatible bucket (AWS SDK v3). A put streams through @aws-sdk/lib-storage's
 * Upload: small bodies in one PutObject, larger ones as a multipart upload of PART_BYTES parts,
 * one in flight, aborted on failure (no partial object becomes visible).
 *
 * Checksums are computed and validated only when an operation requires them ('WHEN_REQUIRED'):
 * the SDK's newer default (CRC32 trailers on every upload) is not understood by every
 * S3-compatible server.
 */
export class S3Storage extends ObjectStorage {
  readonly driver = 's3' as const;
  readonly client: S3Client;

  constructor(private readonly options: S3StorageOptions) {
    super();
    const config: S3ClientConfig = {
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(options.endpoint && { endpoint: options.endpoint }),
      ...(options.credentials && { credentials: options.credentials }),
    };
    this.client = new S3Client(config);
  }

  async put(key: string, body: Readable, contentType: string): Promise<{ sizeBytes: number }> {
    assertObjectKey(key);
    let sizeBytes = 0;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        sizeBytes += chunk.length;
        done(null, chunk);
      },
    });
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.options.bucket, Key: key, Body: counted, ContentType: contentType },
      partSize: PART_BYTES,
      queueSize: 1,
      leavePartsOnError: false,
    });
    // A failing body must fail the upload (which aborts it), not leave it waiting for more bytes;
    // the caller hears the body's error, not the abort's (which may fail too, see the ADR).
    let bodyError: Error | undefined;
    body.once('error', (error) => {
      bodyError = error;
      counted.destroy(error);
    });
    body.pipe(counted);
    try {
      await upload.done();
    } catch (error) {
      throw bodyError ?? error;
    }
    return { sizeBytes };
  }

  async get(key: string): Promise<Readable> {
    assertObjectKey(key);
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
      // In Node.js the body is an http.IncomingMessage (a Readable); re-wrap it to hand out a plain stream.
      const out = new PassThrough();
      (res.Body as Readable).once('error', (error) => out.destroy(error)).pipe(out);
      return out;
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') throw new ObjectNotFoundError(key);
      throw error;
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) assertObjectKey(key);
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const res = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.options.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
      const failed = (res.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length > 0) throw new Error(`could not delete ${failed.length} object(s), e.g. ${failed[0]!.Key}: ${failed[0]!.Code}`);
    }
  }

  async deletePrefix(prefix: string): Promise<void> {
    assertPrefix(prefix);
    // Listed a page (1,000 keys) at a time and deleted as listed: deleting moves the listing on.
    for (;;) {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: prefix, MaxKeys: DELETE_BATCH }));
      const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : []));
      if (keys.length === 0) return;
      await this.delete(keys);
      if (!page.IsTruncated) return;
    }
  }

  destroy(): void {
    this.client.destroy();
  }
}
