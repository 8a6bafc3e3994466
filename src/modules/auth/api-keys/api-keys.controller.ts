import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiReturns } from '../../../platform/http/api-contract.js';
import type { Page } from '../../../platform/http/pagination.js';
import { RequirePermission } from '../../../platform/security/decorators.js';
import type { ApiKeyView } from './api-keys.repository.js';
import { ApiKeysService, type CreatedApiKey } from './api-keys.service.js';
import { ApiKeyErrorCode } from './api-keys.errors.js';
import { ApiKeyParams, CreateApiKeyBody, ListApiKeysQuery } from './dto/api-key.dto.js';
import { apiKeyPageSchema, createdApiKeySchema } from './dto/api-key.responses.js';

@ApiTags('api-keys')
@Controller('api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  /** The response holds the raw key, shown this once: never cached. */
  @ApiOperation({ summary: 'Create an API key with scopes within your own permissions (the key is shown this once)' })
  @ApiReturns(createdApiKeySchema, { status: 201 })
  @ApiProblems(ApiKeyErrorCode.ScopeNotAllowed, ApiKeyErrorCode.InvalidScopes, ApiKeyErrorCode.InvalidExpiry)
  @Post()
  @RequirePermission('api-keys:manage')
  @Header('Cache-Control', 'no-store')
  create(@Body() body: CreateApiKeyBody): Promise<CreatedApiKey> {
    return this.keys.create(body);
  }

  @ApiOperation({ summary: "The tenant's API keys, newest first (cursor pagination)" })
  @ApiReturns(apiKeyPageSchema)
  @Get()
  @RequirePermission('api-keys:manage')
  list(@Query() query: ListApiKeysQuery): Promise<Page<ApiKeyView>> {
    return this.keys.list(query);
  }

  @ApiOperation({ summary: 'Revoke an API key' })
  @ApiReturns(null, { status: 204 })
  @ApiProblems(ApiKeyErrorCode.NotFound)
  @Delete(':id')
  @HttpCode(204)
  @RequirePermission('api-keys:manage')
  revoke(@Param() params: ApiKeyParams): Promise<void> {
    return this.keys.revoke(params.id);
  }
}
