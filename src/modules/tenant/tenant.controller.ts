import { Body, Controller, Delete, Get, HttpCode, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequirePermission } from '../../platform/security/decorators.js';
import { UpdateTenantBody } from './dto/tenant.dto.js';
import type { DeletionView } from './lifecycle/erasure-schedule.js';
import { TenantLifecycleService } from './lifecycle/tenant-lifecycle.service.js';
import type { TenantView } from './tenant.repository.js';
import { TenantService } from './tenant.service.js';

@ApiTags('tenant')
@ApiBearerAuth()
@Controller('tenant')
export class TenantController {
  constructor(
    private readonly tenants: TenantService,
    private readonly lifecycle: TenantLifecycleService,
  ) {}

  @Get()
  @RequirePermission('tenant:read')
  get(): Promise<TenantView> {
    return this.tenants.getCurrent();
  }

  @Patch()
  @RequirePermission('settings:update')
  update(@Body() body: UpdateTenantBody): Promise<TenantView> {
    return this.tenants.update(body);
  }

  /** Owner only: access ends now; every row of the tenant is erased after the grace period. */
  @Delete()
  @HttpCode(202)
  @RequirePermission('tenant:delete')
  delete(): Promise<DeletionView> {
    return this.lifecycle.requestDeletion();
  }
}
