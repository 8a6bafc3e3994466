import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Page } from '../../../platform/http/pagination.js';
import { RequirePermission } from '../../../platform/security/decorators.js';
import type { ApiKeyView } from './api-keys.repository.js';
import { ApiKeysService, type CreatedApiKey } from './api-keys.service.js';
import { ApiKeyParams, CreateApiKeyBody, ListApiKeysQuery } from './dto/api-key.dto.js';

@ApiTags('api-keys')
@ApiBearerAuth()
@Controller('api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  /** The response holds the raw key, shown this once: never cached. */
  @Post()
  @RequirePermission('api-keys:manage')
  @Header('Cache-Control', 'no-store')
  create(@Body() body: CreateApiKeyBody): Promise<CreatedApiKey> {
    return this.keys.create(body);
  }

  @Get()
  @RequirePermission('api-keys:manage')
  list(@Query() query: ListApiKeysQuery): Promise<Page<ApiKeyView>> {
    return this.keys.list(query);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermission('api-keys:manage')
  revoke(@Param() params: ApiKeyParams): Promise<void> {
    return this.keys.revoke(params.id);
  }
}
