import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Page } from '../../../platform/http/pagination.js';
import { RequirePermission } from '../../../platform/security/decorators.js';
import { AssistantService, type AssistantView, type PromptView } from './assistant.service.js';
import { CreatePromptBody, ListPromptsQuery, PromptVersionParams, UpdateAssistantBody } from './dto/assistant.dto.js';

@ApiTags('assistant')
@ApiBearerAuth()
@Controller('assistant')
export class AssistantController {
  constructor(private readonly assistant: AssistantService) {}

  @Get()
  @RequirePermission('chat:use')
  get(): Promise<AssistantView> {
    return this.assistant.get();
  }

  @Patch()
  @RequirePermission('chat:configure')
  update(@Body() body: UpdateAssistantBody): Promise<AssistantView> {
    return this.assistant.update(body);
  }

  @Get('prompts')
  @RequirePermission('chat:configure')
  listPrompts(@Query() query: ListPromptsQuery): Promise<Page<PromptView>> {
    return this.assistant.listPrompts(query);
  }

  @Post('prompts')
  @RequirePermission('chat:configure')
  createPrompt(@Body() body: CreatePromptBody): Promise<PromptView> {
    return this.assistant.createPrompt(body.template);
  }

  @Post('prompts/:version/publish')
  @HttpCode(200)
  @RequirePermission('chat:configure')
  publishPrompt(@Param() params: PromptVersionParams): Promise<AssistantView> {
    return this.assistant.publishPrompt(params.version);
  }
}
