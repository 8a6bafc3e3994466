import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AllowPlatformSession, AllowSuspendedTenant } from '../../../platform/security/decorators.js';
import { type MeView, MeService } from './me.service.js';

@ApiTags('auth')
@ApiBearerAuth()
@Controller('me')
export class MeController {
  constructor(private readonly me: MeService) {}

  /**
   * Any signed-in member; a suspended tenant's members too (they need to see why, and switch); a
   * platform session too (tenant and role null).
   */
  @Get()
  @AllowSuspendedTenant()
  @AllowPlatformSession()
  get(): Promise<MeView> {
    return this.me.get();
  }
}
