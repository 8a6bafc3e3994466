import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiReturns } from '../../../platform/http/api-contract.js';
import { AllowPlatformSession, AllowSuspendedTenant, RequireUserSession } from '../../../platform/security/decorators.js';
import { AuthErrorCode } from '../auth.errors.js';
import { meSchema } from '../dto/auth.responses.js';
import { SessionId } from '../sessions/session-id.decorator.js';
import type { UserView } from '../users.repository.js';
import { AccountService, type SessionView } from './account.service.js';
import { accountUserSchema, ChangePasswordBody, SessionParams, sessionListSchema, UpdateMeBody } from './dto/account.dto.js';
import { type MeView, MeService } from './me.service.js';

/**
 * The signed-in user's own account. Any signed-in member; a suspended tenant's members too (they
 * need to see why, and switch); a platform session too (tenant and role null). Not API keys.
 */
@ApiTags('auth')
@Controller('me')
export class MeController {
  constructor(
    private readonly me: MeService,
    private readonly account: AccountService,
  ) {}

  @ApiOperation({ summary: 'The signed-in user, the active tenant and role, and every tenant of the user' })
  @ApiReturns(meSchema)
  @ApiProblems(AuthErrorCode.NotAMember, AuthErrorCode.SessionRequired)
  @RequireUserSession()
  @Get()
  @AllowSuspendedTenant()
  @AllowPlatformSession()
  get(): Promise<MeView> {
    return this.me.get();
  }

  @Patch()
  @AllowSuspendedTenant()
  @AllowPlatformSession()
  @RequireUserSession()
  @ApiOperation({ summary: 'Change your display name' })
  @ApiReturns(accountUserSchema)
  update(@Body() body: UpdateMeBody): Promise<UserView> {
    return this.account.rename(body.name);
  }

  @Post('password')
  @HttpCode(204)
  @AllowSuspendedTenant()
  @AllowPlatformSession()
  @RequireUserSession()
  @ApiOperation({ summary: 'Change your password (the current one proves it is you); every other session is signed out' })
  @ApiReturns(null, { status: 204 })
  @ApiProblems(AuthErrorCode.WrongPassword)
  changePassword(@Body() body: ChangePasswordBody, @SessionId() sessionId: string | undefined): Promise<void> {
    return this.account.changePassword(body.currentPassword, body.newPassword, sessionId);
  }

  @Get('sessions')
  @AllowSuspendedTenant()
  @AllowPlatformSession()
  @RequireUserSession()
  @ApiOperation({ summary: 'Your open sessions (sign-ins), in every tenant, most recently used first; `current` is this one' })
  @ApiReturns(sessionListSchema)
  sessions(@SessionId() sessionId: string | undefined): Promise<SessionView[]> {
    return this.account.listSessions(sessionId);
  }

  @Delete('sessions/:id')
  @HttpCode(204)
  @AllowSuspendedTenant()
  @AllowPlatformSession()
  @RequireUserSession()
  @ApiOperation({ summary: 'Sign a session out (its refresh and access tokens stop working); the current one signs this client out' })
  @ApiReturns(null, { status: 204 })
  @ApiProblems(AuthErrorCode.SessionNotFound)
  revokeSession(@Param() params: SessionParams): Promise<void> {
    return this.account.revokeSession(params.id);
  }
}
