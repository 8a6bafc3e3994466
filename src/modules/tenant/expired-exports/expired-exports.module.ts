import { Module } from '@nestjs/common';
import { PlatformDbModule } from '../../../platform/db/platform-db.module.js';
import { ExpiredExports } from './expired-exports.repository.js';

/** The tenant module's platform side for exports: finding the tenants with expired exports to purge. */
@Module({
  imports: [PlatformDbModule],
  providers: [ExpiredExports],
  exports: [ExpiredExports],
})
export class ExpiredExportsModule {}
