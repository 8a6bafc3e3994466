import { Module } from '@nestjs/common';
import { PlatformDbModule } from '../../../platform/db/platform-db.module.js';
import { ExpiredReservations } from './expired-reservations.repository.js';

/** The usage module's platform side: finding the tenants whose reservations need reconciling. */
@Module({
  imports: [PlatformDbModule],
  providers: [ExpiredReservations],
  exports: [ExpiredReservations],
})
export class ExpiredReservationsModule {}
