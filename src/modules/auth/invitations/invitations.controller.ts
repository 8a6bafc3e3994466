import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiReturns } from '../../../platform/http/api-contract.js';
import type { Page } from '../../../platform/http/pagination.js';
import { Public, RequirePermission } from '../../../platform/security/decorators.js';
import { AcceptInvitationBody, CreateInvitationBody, InvitationParams, ListInvitationsQuery } from './dto/invitations.dto.js';
import { acceptedInvitationSchema, invitationPageSchema, invitationSchema } from './dto/invitations.responses.js';
import { type AcceptedInvitation, InvitationAcceptance } from './invitation-acceptance.service.js';
import type { InvitationView } from './invitations.repository.js';
import { InvitationsErrorCode } from './invitations.errors.js';
import { InvitationsService } from './invitations.service.js';
import { UsageErrorCode } from '../../usage/usage.errors.js';

@ApiTags('invitations')
@Controller('invitations')
export class InvitationsController {
  constructor(
    private readonly invitations: InvitationsService,
    private readonly acceptance: InvitationAcceptance,
  ) {}

  @ApiReturns(invitationSchema, { status: 201 })
  @ApiProblems(InvitationsErrorCode.AlreadyMember, UsageErrorCode.QuotaExceeded)
  @Post()
  @ApiOperation({ summary: 'Invite someone by email (replaces an open invitation to the same address)' })
  @RequirePermission('members:invite')
  create(@Body() body: CreateInvitationBody): Promise<InvitationView> {
    return this.invitations.create(body);
  }

  @ApiReturns(invitationPageSchema)
  @Get()
  @ApiOperation({ summary: 'Invitations that can still be accepted, newest first (cursor pagination)' })
  @RequirePermission('members:invite')
  list(@Query() query: ListInvitationsQuery): Promise<Page<InvitationView>> {
    return this.invitations.list(query);
  }

  @ApiReturns(null, { status: 204 })
  @ApiProblems(InvitationsErrorCode.NotFound)
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an open invitation' })
  @RequirePermission('members:invite')
  revoke(@Param() params: InvitationParams): Promise<void> {
    return this.invitations.revoke(params.id);
  }

  /** Public: the token is the authorization. An existing account proves itself (Authorization or password). */
  @ApiReturns(acceptedInvitationSchema)
  @ApiProblems(InvitationsErrorCode.Invalid, InvitationsErrorCode.AlreadyMember, InvitationsErrorCode.ProofRequired, InvitationsErrorCode.InvalidCredentials, UsageErrorCode.QuotaExceeded)
  @Post('accept')
  @HttpCode(200)
  @Public()
  @ApiOperation({ summary: 'Accept an invitation: join as an existing account, or create one' })
  accept(@Body() body: AcceptInvitationBody, @Headers('authorization') authorization?: string): Promise<AcceptedInvitation> {
    return this.acceptance.accept({ ...body, authorization });
  }
}
