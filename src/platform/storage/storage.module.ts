import { Module, type OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/config.js';
import { LocalDiskStorage } from './local-disk-storage.js';
import { ObjectStorage } from './object-storage.js';
import { S3Storage } from './s3-storage.js';

/** The driver STORAGE_DRIVER names, configured. */
export function createObjectStorage(config: AppConfig): ObjectStorage {
  const env = config.env;
  if (env.STORAGE_DRIVER === 'local') return new LocalDiskStorage(env.STORAGE_DIR);
  return new S3Storage({
    bucket: env.S3_BUCKET!,
    region: env.S3_REGION,
    endpoint: env.S3_ENDPOINT,
    forcePathStyle: env.S3_FORCE_PATH_STYLE,
    ...(env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY && { credentials: { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY } }),
  });
}

/** Object storage (ObjectStorage), the driver chosen by STORAGE_DRIVER (docs/adr/0014-object-storage-and-key-rotation.md). */
@Module({
  providers: [{ provide: ObjectStorage, useFactory: createObjectStorage, inject: [AppConfig] }],
  exports: [ObjectStorage],
})
export class StorageModule implements OnModuleDestroy {
  constructor(private readonly storage: ObjectStorage) {}

  onModuleDestroy(): void {
    if (this.storage instanceof S3Storage) this.storage.destroy();
  }
}
