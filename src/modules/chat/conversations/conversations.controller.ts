import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiReturns } from '../../../platform/http/api-contract.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Page } from '../../../platform/http/pagination.js';
import { RequirePermission } from '../../../platform/security/decorators.js';
import { ChatService } from './chat.service.js';
import type { ConversationView, MessageView } from './conversations.repository.js';
import { ConversationsService } from './conversations.service.js';
import { RepliesService } from '../replies/replies.service.js';
import {
  ConversationParams,
  ListConversationsQuery,
  ListMessagesQuery,
  MessageParams,
  PostMessageBody,
  RenameConversationBody,
} from './dto/conversation.dto.js';
import { acceptsEventStream, sendEventStream } from './event-stream.js';
import { chatReplySchema, conversationPageSchema, conversationSchema, messagePageSchema, messageSchema, startedConversationSchema } from './dto/conversation.responses.js';
import { ChatErrorCode } from '../chat.errors.js';
import { UsageErrorCode } from '../../usage/usage.errors.js';

@ApiTags('conversations')
@Controller('conversations')
export class ConversationsController {
  constructor(
    private readonly chat: ChatService,
    private readonly conversations: ConversationsService,
    private readonly replies: RepliesService,
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

  /**
   * JSON by default; server-sent events (delta, then done | stopped | error) when Accept lists
   * text/event-stream. The reply runs on if the client goes away: re-attach with GET …/stream.
   */
  @ApiOperation({ summary: 'Send a message; the reply as JSON, or as server-sent events (delta, then done | stopped | error)' })
  @ApiReturns(chatReplySchema, { contentTypes: ['application/json', 'text/event-stream'] })
  @ApiProblems(ChatErrorCode.ConversationNotFound, ChatErrorCode.ProviderFailed, UsageErrorCode.QuotaExceeded)
  @Post(':id/messages')
  @HttpCode(200)
  @RequirePermission('chat:use')
  async post(@Param() params: ConversationParams, @Body() body: PostMessageBody, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (acceptsEventStream(request)) {
      return sendEventStream(request, reply, async (signal) => this.replies.follow(params.id, await this.chat.startStreamedReply(params.id, body.content), signal));
    }
    void reply.status(200).send(await this.chat.reply(params.id, body.content));
  }

  /** Re-attach: the text so far as one stream of deltas, then the rest, then the outcome; an ended reply at once. */
  @ApiOperation({ summary: 'Follow a reply (server-sent events): every delta so far, then the rest as it comes, then done | stopped | error' })
  @ApiReturns(chatReplySchema, { contentTypes: ['text/event-stream'], description: 'Server-sent events: delta, then done | stopped | error' })
  @ApiProblems(ChatErrorCode.ConversationNotFound, ChatErrorCode.MessageNotFound)
  @Get(':id/messages/:messageId/stream')
  @RequirePermission('chat:use')
  async follow(@Param() params: MessageParams, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return sendEventStream(request, reply, (signal) => this.replies.follow(params.id, params.messageId, signal));
  }

  /** Wherever the reply runs (any instance); answers once it is stored as stopped. */
  @ApiOperation({ summary: 'Stop a reply in progress: it is stored as stopped with the text so far (an ended reply is answered as it is)' })
  @ApiReturns(messageSchema)
  @ApiProblems(ChatErrorCode.ConversationNotFound, ChatErrorCode.MessageNotFound)
  @Post(':id/messages/:messageId/stop')
  @HttpCode(200)
  @RequirePermission('chat:use')
  stop(@Param() params: MessageParams): Promise<MessageView> {
    return this.replies.stop(params.id, params.messageId);
  }

  /** Replaces the conversation's last reply (not one in progress) with a new answer to the same question; JSON or SSE like POST messages. */
  @ApiOperation({ summary: "Regenerate the conversation's last reply (also the retry of a failed one); JSON or server-sent events like sending a message" })
  @ApiReturns(chatReplySchema, { contentTypes: ['application/json', 'text/event-stream'] })
  @ApiProblems(ChatErrorCode.ConversationNotFound, ChatErrorCode.NotLastReply, ChatErrorCode.ReplyInProgress, ChatErrorCode.ProviderFailed, UsageErrorCode.QuotaExceeded)
  @Post(':id/messages/:messageId/regenerate')
  @HttpCode(200)
  @RequirePermission('chat:use')
  async regenerate(@Param() params: MessageParams, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (acceptsEventStream(request)) {
      return sendEventStream(request, reply, async (signal) => this.replies.follow(params.id, await this.chat.regenerate(params.id, params.messageId, true), signal));
    }
    void reply.status(200).send(await this.chat.regenerate(params.id, params.messageId, false));
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
