import { Module } from '@nestjs/common';
import { AppConfig } from '../src/platform/config/config.js';
import { ConfigModule } from '../src/platform/config/config.module.js';
import { ContextModule } from '../src/platform/context/context.module.js';
import { DbModule } from '../src/platform/db/db.module.js';
import { PlatformDbModule } from '../src/platform/db/platform-db.module.js';

/** The data layer alone, without HTTP: what the database benchmarks exercise. */
@Module({})
export class BenchDataModule {
  static forRoot(config: AppConfig) {
    return { module: BenchDataModule, imports: [ConfigModule.forRoot(config), ContextModule, DbModule, PlatformDbModule] };
  }
}
