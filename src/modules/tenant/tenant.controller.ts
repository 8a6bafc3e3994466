import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequirePermission } from '../../platform/security/decorators.js';
import type { TenantView } from './tenant.repository.js';
import { TenantService } from './tenant.service.js';

@ApiTags('tenant')
@ApiBearerAuth()
@Controller('tenant')
export class TenantController {
  constructor(private readonly tenants: TenantService) {}

  @Get()
  @RequirePermission('tenant:read')
  get(): Promise<TenantView> {
    return this.tenants.getCurrent();
  }
}
