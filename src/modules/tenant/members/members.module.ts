import { Module } from '@nestjs/common';
import { MembersController } from './members.controller.js';
import { MembersRepository } from './members.repository.js';
import { MembersService } from './members.service.js';
import { UsageModule } from '../../usage/usage.module.js';
import { SeatsModule } from '../../billing/seats/seats.module.js';

/** The tenant's members and their roles. Other modules use MembersService (invitations admit members). */
@Module({
  imports: [UsageModule, SeatsModule],
  controllers: [MembersController],
  providers: [MembersService, MembersRepository],
  exports: [MembersService],
})
export class MembersModule {}
