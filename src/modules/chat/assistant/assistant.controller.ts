import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiReturns } from '../../../platform/http/api-contract.js';
import type { Page } from '../../../platform/http/pagination.js';
import { RequirePermission } from '../../../platform/security/decorators.js';
import { AssistantService, type AssistantView, type PromptView } from './assistant.service.js';
import { CreatePromptBody, ListPromptsQuery, PromptVersionParams, UpdateAssistantBody } from './dto/assistant.dto.js';
import { assistantSchema, promptPageSchema, promptSchema } from './dto/assistant.responses.js';
import { ChatErrorCode } from '../chat.errors.js';

@ApiTags('assistant')
@Controller('assistant')
export class AssistantController {
  constructor(private readonly assistant: AssistantService) {}

  @ApiOperation({ summary: "The tenant's assistant configuration (the provider key is never returned)" })
  @ApiReturns(assistantSchema)
  @Get()
  @RequirePermission('chat:use')
  get(): Promise<AssistantView> {
    return this.assistant.get();
  }

  @ApiOperation({ summary: "Update the tenant's assistant configuration" })
  @ApiReturns(assistantSchema)
  @ApiProblems(ChatErrorCode.BaseUrlNotAllowed)
  @Patch()
  @RequirePermission('chat:configure')
  update(@Body() body: UpdateAssistantBody): Promise<AssistantView> {
    return this.assistant.update(body);
  }

  @ApiOperation({ summary: 'System prompt versions, newest first (cursor pagination)' })
  @ApiReturns(promptPageSchema)
  @Get('prompts')
  @RequirePermission('chat:configure')
  listPrompts(@Query() query: ListPromptsQuery): Promise<Page<PromptView>> {
    return this.assistant.listPrompts(query);
  }

  @ApiOperation({ summary: 'Save a new system prompt version (not yet published)' })
  @ApiReturns(promptSchema, { status: 201 })
  @Post('prompts')
  @RequirePermission('chat:configure')
  createPrompt(@Body() body: CreatePromptBody): Promise<PromptView> {
    return this.assistant.createPrompt(body.template);
  }

  @ApiOperation({ summary: 'Publish a prompt version (an older one rolls back)' })
  @ApiReturns(assistantSchema)
  @ApiProblems(ChatErrorCode.PromptNotFound)
  @Post('prompts/:version/publish')
  @HttpCode(200)
  @RequirePermission('chat:configure')
  publishPrompt(@Param() params: PromptVersionParams): Promise<AssistantView> {
    return this.assistant.publishPrompt(params.version);
  }
}
