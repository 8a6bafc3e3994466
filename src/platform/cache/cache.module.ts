import { Global, Module } from '@nestjs/common';
import { AccessEpochs } from './access-epochs.js';

/** Per-instance caches of access and tenant configuration, invalidated across instances (AccessEpochs). */
@Global()
@Module({ providers: [AccessEpochs], exports: [AccessEpochs] })
export class CacheModule {}
