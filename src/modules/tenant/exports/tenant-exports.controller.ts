import { Controller, Get, HttpCode, Param, Post, Query, StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiReturns } from '../../../platform/http/api-contract.js';
import type { Page } from '../../../platform/http/pagination.js';
import { AllowSuspendedTenant, Public, RequirePermission } from '../../../platform/security/decorators.js';
import { QueueErrorCode } from '../../../platform/queue/queue.errors.js';
import { ExportIdParam, ListExportsQuery } from './dto/tenant-exports.dto.js';
import { tenantArchiveSchema, tenantExportPageSchema, tenantExportSchema } from './dto/tenant-exports.responses.js';
import { TenantErrorCode } from '../tenant.errors.js';
import { type ExportView, TenantExportsService } from './tenant-exports.service.js';

/** Exports of all the tenant's data; still available to a suspended tenant. */
@ApiTags('tenant')
@AllowSuspendedTenant()
@Controller('tenant/exports')
export class TenantExportsController {
  constructor(private readonly exports: TenantExportsService) {}

  @ApiOperation({ summary: "Start an export of all the tenant's data (a background job)" })
  @ApiReturns(tenantExportSchema)
  @ApiProblems(QueueErrorCode.QueueUnavailable)
  @Post()
  @HttpCode(202)
  @RequirePermission('tenant:export')
  request(): Promise<ExportView> {
    return this.exports.request();
  }

  @ApiOperation({ summary: "The tenant's exports, newest first (cursor pagination)" })
  @ApiReturns(tenantExportPageSchema)
  @Get()
  @RequirePermission('tenant:export')
  list(@Query() query: ListExportsQuery): Promise<Page<ExportView>> {
    return this.exports.list(query);
  }

  @ApiOperation({ summary: 'One export, with a signed download link once it is ready' })
  @ApiReturns(tenantExportSchema)
  @ApiProblems(TenantErrorCode.ExportNotFound)
  @Get(':id')
  @RequirePermission('tenant:export')
  get(@Param() params: ExportIdParam): Promise<ExportView> {
    return this.exports.get(params.id);
  }

  /**
   * The archive, for whoever holds a signed link (`downloadUrl`): no session needed, the signature
   * is the credential. Streamed from object storage through the API (ADR 0014).
   */
  @ApiOperation({ summary: 'Download an export archive through its signed link (the signature is the credential)' })
  @ApiReturns(tenantArchiveSchema, { description: 'The archive, as an attachment' })
  @ApiProblems(TenantErrorCode.ExportLinkInvalid, TenantErrorCode.ExportLinkExpired, TenantErrorCode.ExportNotFound, TenantErrorCode.ExportNotReady, TenantErrorCode.ExportExpired, 'tenant_deleted')
  @ApiQuery({ name: 'tenant', required: true, schema: { type: 'string' } })
  @ApiQuery({ name: 'expires', required: true, schema: { type: 'string' }, description: 'Unix time the link expires at' })
  @ApiQuery({ name: 'sig', required: true, schema: { type: 'string' }, description: 'HMAC-SHA256 signature of the link' })
  @Get(':id/download')
  @Public()
  async download(@Param('id') id: string, @Query() query: Record<string, unknown>): Promise<StreamableFile> {
    const file = await this.exports.download(id, query);
    return new StreamableFile(file.body, {
      type: file.contentType,
      disposition: `attachment; filename="${file.filename}"`,
      ...(file.sizeBytes !== null && { length: file.sizeBytes }),
    });
  }
}
