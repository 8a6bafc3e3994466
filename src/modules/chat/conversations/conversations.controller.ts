import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiReturns } from '../../../platform/http/api-contract.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Page } from '../../../platform/http/pagination.js';
import { RequirePermission } from '../../../platform/security/decorators.js';
import { ChatService } from './chat.service.js';
import type { ConversationView, MessageView } from './conversations.repository.js';
import { ConversationsService } from './conversations.service.js';
import { ConversationParams, ListConversationsQuery, ListMessagesQuery, PostMessageBody, RenameConversationBody } from './dto/conversation.dto.js';
import { acceptsEventStream, sendEventStream } from './event-stream.js';
import { chatReplySchema, conversationPageSchema, conversationSchema, messagePageSchema, startedConversationSchema } from './dto/conversation.responses.js';
import { ChatErrorCode } from '../chat.errors.js';
import { UsageErrorCode } from '../../usage/usage.errors.js';

@ApiTags('conversations')
@Controller('conversations')
export class ConversationsController {
  constructor(
    private readonly chat: ChatService,
    private readonly conversations: ConversationsService,
  ) {}

  @ApiOperation({ summary: 'Start a conversation with the assistant' })
  @ApiReturns(startedConversationSchema, { status: 201 })
  @Post()
  @RequirePermission('chat:use')
  start(): Promise<{ id: string; welcome: string }> {
    return this.chat.startConversation('api');
  }

  @ApiOperation({ summary: 'Conversations, most recently active first (cursor pagination)' })
  @ApiReturns(conversationPageSchema)
  @Get()
  @RequirePermission('chat:use')
  list(@Query() query: ListConversationsQuery): Promise<Page<ConversationView>> {
    return this.conversations.list(query);
  }

  @ApiOperation({ summary: 'One conversation' })
  @ApiReturns(conversationSchema)
  @ApiProblems(ChatErrorCode.ConversationNotFound)
  @Get(':id')
  @RequirePermission('chat:use')
  get(@Param() params: ConversationParams): Promise<ConversationView> {
    return this.conversations.get(params.id);
  }

  /** Sets the title; a generated title never replaces one set here. */
  @ApiOperation({ summary: 'Rename a conversation' })
  @ApiReturns(conversationSchema)
  @ApiProblems(ChatErrorCode.ConversationNotFound)
  @Patch(':id')
  @RequirePermission('chat:use')
  rename(@Param() params: ConversationParams, @Body() body: RenameConversationBody): Promise<ConversationView> {
    return this.conversations.rename(params.id, body.title);
  }

  @ApiOperation({ summary: "A conversation's messages, oldest first (cursor pagination)" })
  @ApiReturns(messagePageSchema)
  @ApiProblems(ChatErrorCode.ConversationNotFound)
  @Get(':id/messages')
  @RequirePermission('chat:use')
  messages(@Param() params: ConversationParams, @Query() query: ListMessagesQuery): Promise<Page<MessageView>> {
    return this.conversations.messages(params.id, query);
  }

  /** JSON by default; server-sent events (delta, done | error) when Accept lists text/event-stream. */
  @ApiOperation({ summary: 'Send a message and get the reply: JSON, or server-sent events with Accept: text/event-stream' })
  @ApiReturns(chatReplySchema, { contentTypes: ['application/json', 'text/event-stream'] })
  @ApiProblems(ChatErrorCode.ConversationNotFound, ChatErrorCode.ProviderFailed, UsageErrorCode.QuotaExceeded)
  @Post(':id/messages')
  @HttpCode(200)
  @ApiProduces('application/json', 'text/event-stream')
  @RequirePermission('chat:use')
  async post(@Param() params: ConversationParams, @Body() body: PostMessageBody, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (acceptsEventStream(request)) return sendEventStream(request, reply, (signal) => this.chat.streamReply(params.id, body.content, signal));
    void reply.status(200).send(await this.chat.reply(params.id, body.content));
  }

  @ApiOperation({ summary: 'Delete a conversation and its messages' })
  @ApiReturns(null, { status: 204 })
  @ApiProblems(ChatErrorCode.ConversationNotFound)
  @Delete(':id')
  @HttpCode(204)
  @RequirePermission('chat:use')
  remove(@Param() params: ConversationParams): Promise<void> {
    return this.conversations.remove(params.id);
  }
}
