import { Controller, Get, HttpCode, Param, Post, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Page } from '../../../platform/http/pagination.js';
import { AllowSuspendedTenant, Public, RequirePermission } from '../../../platform/security/decorators.js';
import { ExportIdParam, ListExportsQuery } from './dto/tenant-exports.dto.js';
import { type ExportView, TenantExportsService } from './tenant-exports.service.js';

/** Exports of all the tenant's data; still available to a suspended tenant. */
@ApiTags('tenant')
@ApiBearerAuth()
@AllowSuspendedTenant()
@Controller('tenant/exports')
export class TenantExportsController {
  constructor(private readonly exports: TenantExportsService) {}

  @Post()
  @HttpCode(202)
  @RequirePermission('tenant:export')
  request(): Promise<ExportView> {
    return this.exports.request();
  }

  @Get()
  @RequirePermission('tenant:export')
  list(@Query() query: ListExportsQuery): Promise<Page<ExportView>> {
    return this.exports.list(query);
  }

  @Get(':id')
  @RequirePermission('tenant:export')
  get(@Param() params: ExportIdParam): Promise<ExportView> {
    return this.exports.get(params.id);
  }

  /**
   * The archive, for whoever holds a signed link (`downloadUrl`): no session needed, the signature
   * is the credential. Streamed from object storage through the API (ADR 0014).
   */
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
