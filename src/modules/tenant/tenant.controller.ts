import { Body, Controller, Delete, Get, HttpCode, Patch } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiReturns } from '../../platform/http/api-contract.js';
import { RequirePermission } from '../../platform/security/decorators.js';
import { UpdateTenantBody } from './dto/tenant.dto.js';
import { tenantDeletionSchema, tenantSchema } from './dto/tenant.responses.js';
import type { DeletionView } from './lifecycle/erasure-schedule.js';
import { TenantLifecycleService } from './lifecycle/tenant-lifecycle.service.js';
import type { TenantView } from './tenant.repository.js';
import { TenantErrorCode } from './tenant.errors.js';
import { TenantService } from './tenant.service.js';

@ApiTags('tenant')
@Controller('tenant')
export class TenantController {
  constructor(
    private readonly tenants: TenantService,
    private readonly lifecycle: TenantLifecycleService,
  ) {}

  @ApiOperation({ summary: 'The tenant in context, with its settings' })
  @ApiReturns(tenantSchema)
  @ApiProblems(TenantErrorCode.NotFound)
  @Get()
  @RequirePermission('tenant:read')
  get(): Promise<TenantView> {
    return this.tenants.getCurrent();
  }

  @ApiOperation({ summary: "Update the tenant's name and settings" })
  @ApiReturns(tenantSchema)
  @ApiProblems(TenantErrorCode.NotFound)
  @Patch()
  @RequirePermission('settings:update')
  update(@Body() body: UpdateTenantBody): Promise<TenantView> {
    return this.tenants.update(body);
  }

  /** Owner only: access ends now; every row of the tenant is erased after the grace period. */
  @ApiOperation({ summary: 'Delete the tenant: access ends now, its data is erased after the grace period' })
  @ApiReturns(tenantDeletionSchema)
  @ApiProblems(TenantErrorCode.InvalidTransition, 'queue_unavailable')
  @Delete()
  @HttpCode(202)
  @RequirePermission('tenant:delete')
  delete(): Promise<DeletionView> {
    return this.lifecycle.requestDeletion();
  }
}
