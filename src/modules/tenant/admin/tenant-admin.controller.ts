import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiReturns } from '../../../platform/http/api-contract.js';
import type { Page } from '../../../platform/http/pagination.js';
import { PlatformAdminOnly } from '../../../platform/security/decorators.js';
import { QueueErrorCode } from '../../../platform/queue/queue.errors.js';
import { TenantErrorCode } from '../tenant.errors.js';
import { ChangePlanBody, CreateTenantBody, ListTenantsQuery, ReasonBody, TenantIdParam } from './dto/tenant-admin.dto.js';
import { adminTenantDetailSchema, adminTenantPageSchema, adminTenantSchema, createdTenantSchema } from './dto/tenant-admin.responses.js';
import type { AdminTenantView } from './tenant-admin.repository.js';
import { type CreatedTenantView, TenantAdminService, type TenantDetailView } from './tenant-admin.service.js';

/** Platform administration of every tenant (platform admins only: a flag on the user, not a role). */
@ApiTags('admin')
@PlatformAdminOnly()
@Controller('admin/tenants')
export class TenantAdminController {
  constructor(private readonly admin: TenantAdminService) {}

  @ApiOperation({ summary: 'Every tenant, with filters (cursor pagination)' })
  @ApiReturns(adminTenantPageSchema)
  @Get()
  list(@Query() query: ListTenantsQuery): Promise<Page<AdminTenantView>> {
    return this.admin.list(query);
  }

  @ApiOperation({ summary: 'One tenant: members, usage this period, subscription and latest audit events' })
  @ApiReturns(adminTenantDetailSchema)
  @ApiProblems(TenantErrorCode.NotFound)
  @Get(':id')
  detail(@Param() params: TenantIdParam): Promise<TenantDetailView> {
    return this.admin.detail(params.id);
  }

  @ApiOperation({ summary: 'Create a tenant and its owner (a set-password link, or a notice, by email)' })
  @ApiReturns(createdTenantSchema, { status: 201 })
  @ApiProblems(TenantErrorCode.SlugTaken)
  @Post()
  create(@Body() body: CreateTenantBody): Promise<CreatedTenantView> {
    return this.admin.create(body);
  }

  @ApiOperation({ summary: 'Suspend a tenant (billing and export stay open to it); the reason goes to its audit log' })
  @ApiReturns(adminTenantSchema)
  @ApiProblems(TenantErrorCode.NotFound, TenantErrorCode.InvalidTransition, TenantErrorCode.ErasureInProgress)
  @Post(':id/suspend')
  @HttpCode(200)
  suspend(@Param() params: TenantIdParam, @Body() body: ReasonBody): Promise<AdminTenantView> {
    return this.admin.suspend(params.id, body.reason);
  }

  @ApiOperation({ summary: 'Resume a tenant; cancels a scheduled deletion; the reason goes to its audit log' })
  @ApiReturns(adminTenantSchema)
  @ApiProblems(TenantErrorCode.NotFound, TenantErrorCode.InvalidTransition, TenantErrorCode.ErasureInProgress)
  @Post(':id/resume')
  @HttpCode(200)
  resume(@Param() params: TenantIdParam, @Body() body: ReasonBody): Promise<AdminTenantView> {
    return this.admin.resume(params.id, body.reason);
  }

  @ApiOperation({ summary: "Change a tenant's plan; the reason goes to its audit log" })
  @ApiReturns(adminTenantSchema)
  @ApiProblems(TenantErrorCode.NotFound, TenantErrorCode.InvalidTransition, TenantErrorCode.ErasureInProgress)
  @Patch(':id/plan')
  changePlan(@Param() params: TenantIdParam, @Body() body: ChangePlanBody): Promise<AdminTenantView> {
    return this.admin.changePlan(params.id, body.plan, body.reason);
  }

  /** Schedules the erasure after the grace period, like the owner's DELETE /tenant. */
  @ApiOperation({ summary: "Schedule a tenant's erasure after the grace period; the reason goes to its audit log" })
  @ApiReturns(adminTenantSchema)
  @ApiProblems(TenantErrorCode.NotFound, TenantErrorCode.InvalidTransition, TenantErrorCode.ErasureInProgress, QueueErrorCode.QueueUnavailable)
  @Delete(':id')
  @HttpCode(202)
  scheduleDeletion(@Param() params: TenantIdParam, @Body() body: ReasonBody): Promise<AdminTenantView> {
    return this.admin.scheduleDeletion(params.id, body.reason);
  }
}
