import { Module } from '@nestjs/common';
import { MembersModule } from '../../tenant/members/members.module.js';
import { UsageModule } from '../../usage/usage.module.js';
import { InvitationAcceptance } from './invitation-acceptance.service.js';
import { InvitationsController } from './invitations.controller.js';
import { InvitationsRepository } from './invitations.repository.js';
import { InvitationsService } from './invitations.service.js';
import { InviteeAccountsRepository } from './invitee-accounts.repository.js';
import { InviteeIdentity } from './invitee-identity.js';

/** Invitations: create and email, list, revoke, accept (which admits through MembersService). */
@Module({
  imports: [MembersModule, UsageModule],
  controllers: [InvitationsController],
  providers: [InvitationsService, InvitationAcceptance, InvitationsRepository, InviteeAccountsRepository, InviteeIdentity],
})
export class InvitationsModule {}
