import { Global, Module } from '@nestjs/common';
import { AccessEpochs } from './access-epochs.js';
import { TenantConfigCache } from './tenant-config-cache.js';

/** Per-instance caches of access and tenant configuration, invalidated across instances (AccessEpochs). */
@Global()
@Module({ providers: [AccessEpochs, TenantConfigCache], exports: [AccessEpochs, TenantConfigCache] })
export class CacheModule {}
