import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiReturns } from '../../../platform/http/api-contract.js';
import { AllowPlatformSession, AllowSuspendedTenant, RequireUserSession } from '../../../platform/security/decorators.js';
import { AuthErrorCode } from '../auth.errors.js';
import { meSchema } from '../dto/auth.responses.js';
import { type MeView, MeService } from './me.service.js';

@ApiTags('auth')
@Controller('me')
export class MeController {
  constructor(private readonly me: MeService) {}

  /**
   * Any signed-in member; a suspended tenant's members too (they need to see why, and switch); a
   * platform session too (tenant and role null).
   */
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
}
