import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AllowPlatformSession, AllowSuspendedTenant } from '../../../platform/security/decorators.js';
import { SessionId } from '../sessions/session-id.decorator.js';
import type { UserView } from '../users.repository.js';
import { AccountService, type SessionView } from './account.service.js';
import { ChangePasswordBody, SessionParams, SessionResponse, UpdateMeBody, UserResponse } from './dto/account.dto.js';
import { type MeView, MeService } from './me.service.js';

/**
 * The signed-in user's own account. Any signed-in member; a suspended tenant's members too (they
 * need to see why, and switch); a platform session too (tenant and role null). Not API keys.
 */
@ApiTags('auth')
@ApiBearerAuth()
@Controller('me')
export class MeController {
  constructor(
    private readonly me: MeService,
    private readonly account: AccountService,
  ) {}

  @Get()
  @AllowSuspendedTenant()
  @AllowPlatformSession()
  get(): Promise<MeView> {
    return this.me.get();
  }

  @Patch()
  @AllowSuspendedTenant()
  @AllowPlatformSession()
  @ApiOperation({ summary: 'Change your display name' })
  @ApiOkResponse({ type: UserResponse })
  update(@Body() body: UpdateMeBody): Promise<UserView> {
    return this.account.rename(body.name);
  }

  @Post('password')
  @HttpCode(204)
  @AllowSuspendedTenant()
  @AllowPlatformSession()
  @ApiOperation({ summary: 'Change your password (the current one proves it is you); every other session is signed out' })
  changePassword(@Body() body: ChangePasswordBody, @SessionId() sessionId: string | undefined): Promise<void> {
    return this.account.changePassword(body.currentPassword, body.newPassword, sessionId);
  }

  @Get('sessions')
  @AllowSuspendedTenant()
  @AllowPlatformSession()
  @ApiOperation({ summary: 'Your open sessions (sign-ins), in every tenant, most recently used first; `current` is this one' })
  @ApiOkResponse({ type: SessionResponse, isArray: true })
  sessions(@SessionId() sessionId: string | undefined): Promise<SessionView[]> {
    return this.account.listSessions(sessionId);
  }

  @Delete('sessions/:id')
  @HttpCode(204)
  @AllowSuspendedTenant()
  @AllowPlatformSession()
  @ApiOperation({ summary: 'Sign a session out (its refresh and access tokens stop working); the current one signs this client out' })
  revokeSession(@Param() params: SessionParams): Promise<void> {
    return this.account.revokeSession(params.id);
  }
}
