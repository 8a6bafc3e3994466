import { Module } from '@nestjs/common';
import { PlatformDb } from './platform-db.js';

/** Import only from platform administration and analytics modules (enforced by test/architecture). */
@Module({
  providers: [PlatformDb],
  exports: [PlatformDb],
})
export class PlatformDbModule {}
