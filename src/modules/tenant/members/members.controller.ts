import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiReturns } from '../../../platform/http/api-contract.js';
import type { Page } from '../../../platform/http/pagination.js';
import { RequirePermission } from '../../../platform/security/decorators.js';
import { ChangeRoleBody, ListMembersQuery, MemberParams } from './dto/members.dto.js';
import { memberPageSchema, memberSchema } from './dto/members.responses.js';
import { MembersErrorCode } from './members.errors.js';
import type { MemberView } from './members.repository.js';
import { MembersService } from './members.service.js';

@ApiTags('members')
@Controller('members')
export class MembersController {
  constructor(private readonly members: MembersService) {}

  @ApiReturns(memberPageSchema)
  @Get()
  @ApiOperation({ summary: 'Members of the tenant, newest first (cursor pagination)' })
  @RequirePermission('members:read')
  list(@Query() query: ListMembersQuery): Promise<Page<MemberView>> {
    return this.members.list(query);
  }

  /** Declared before `:userId` routes; any member may leave (but the last owner). */
  @ApiReturns(null, { status: 204 })
  @ApiProblems(MembersErrorCode.LastOwner, MembersErrorCode.NotAUser, MembersErrorCode.NotFound)
  @Post('me/leave')
  @HttpCode(204)
  @ApiOperation({ summary: 'Leave the tenant' })
  @RequirePermission('members:read')
  leave(): Promise<void> {
    return this.members.leave();
  }

  @ApiReturns(memberSchema)
  @ApiProblems(MembersErrorCode.NotFound, MembersErrorCode.LastOwner, MembersErrorCode.CannotGrantOwner, MembersErrorCode.CannotManageOwner, MembersErrorCode.CannotRaiseOwnRole)
  @Patch(':userId')
  @ApiOperation({ summary: "Change a member's role" })
  @RequirePermission('members:manage')
  changeRole(@Param() params: MemberParams, @Body() body: ChangeRoleBody): Promise<MemberView> {
    return this.members.changeRole(params.userId, body.role);
  }

  @ApiReturns(null, { status: 204 })
  @ApiProblems(MembersErrorCode.NotFound, MembersErrorCode.LastOwner, MembersErrorCode.CannotManageOwner)
  @Delete(':userId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a member (on your own id: leave)' })
  @RequirePermission('members:manage')
  remove(@Param() params: MemberParams): Promise<void> {
    return this.members.remove(params.userId);
  }
}
