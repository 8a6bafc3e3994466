import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Page } from '../../../platform/http/pagination.js';
import { PlatformAdminOnly } from '../../../platform/security/decorators.js';
import { ChangePlanBody, CreateTenantBody, ListTenantsQuery, TenantIdParam } from './dto/tenant-admin.dto.js';
import type { AdminTenantView } from './tenant-admin.repository.js';
import { type CreatedTenantView, TenantAdminService } from './tenant-admin.service.js';

/** Platform administration of every tenant (platform admins only: a flag on the user, not a role). */
@ApiTags('admin')
@ApiBearerAuth()
@PlatformAdminOnly()
@Controller('admin/tenants')
export class TenantAdminController {
  constructor(private readonly admin: TenantAdminService) {}

  @Get()
  list(@Query() query: ListTenantsQuery): Promise<Page<AdminTenantView>> {
    return this.admin.list(query);
  }

  @Post()
  create(@Body() body: CreateTenantBody): Promise<CreatedTenantView> {
    return this.admin.create(body);
  }

  @Post(':id/suspend')
  @HttpCode(200)
  suspend(@Param() params: TenantIdParam): Promise<AdminTenantView> {
    return this.admin.suspend(params.id);
  }

  @Post(':id/resume')
  @HttpCode(200)
  resume(@Param() params: TenantIdParam): Promise<AdminTenantView> {
    return this.admin.resume(params.id);
  }

  @Patch(':id/plan')
  changePlan(@Param() params: TenantIdParam, @Body() body: ChangePlanBody): Promise<AdminTenantView> {
    return this.admin.changePlan(params.id, body.plan);
  }

  /** Schedules the erasure after the grace period, like the owner's DELETE /tenant. */
  @Delete(':id')
  @HttpCode(202)
  scheduleDeletion(@Param() params: TenantIdParam): Promise<AdminTenantView> {
    return this.admin.scheduleDeletion(params.id);
  }
}
