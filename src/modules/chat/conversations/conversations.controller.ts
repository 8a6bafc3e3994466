import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
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
  MessageResponse,
  PostMessageBody,
  RenameConversationBody,
  ReplyResponse,
} from './dto/conversation.dto.js';
import { acceptsEventStream, sendEventStream } from './event-stream.js';

@ApiTags('conversations')
@ApiBearerAuth()
@Controller('conversations')
export class ConversationsController {
  constructor(
    private readonly chat: ChatService,
    private readonly conversations: ConversationsService,
    private readonly replies: RepliesService,
  ) {}

  @Post()
  @RequirePermission('chat:use')
  start(): Promise<{ id: string; welcome: string }> {
    return this.chat.startConversation('api');
  }

  @Get()
  @RequirePermission('chat:use')
  list(@Query() query: ListConversationsQuery): Promise<Page<ConversationView>> {
    return this.conversations.list(query);
  }

  @Get(':id')
  @RequirePermission('chat:use')
  get(@Param() params: ConversationParams): Promise<ConversationView> {
    return this.conversations.get(params.id);
  }

  /** Sets the title; a generated title never replaces one set here. */
  @Patch(':id')
  @RequirePermission('chat:use')
  rename(@Param() params: ConversationParams, @Body() body: RenameConversationBody): Promise<ConversationView> {
    return this.conversations.rename(params.id, body.title);
  }

  @Get(':id/messages')
  @RequirePermission('chat:use')
  messages(@Param() params: ConversationParams, @Query() query: ListMessagesQuery): Promise<Page<MessageView>> {
    return this.conversations.messages(params.id, query);
  }

  /**
   * JSON by default; server-sent events (delta, then done | stopped | error) when Accept lists
   * text/event-stream. The reply runs on if the client goes away: re-attach with GET …/stream.
   */
  @Post(':id/messages')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a message; the reply as JSON, or as server-sent events (delta, then done | stopped | error)' })
  @ApiProduces('application/json', 'text/event-stream')
  @ApiOkResponse({ type: ReplyResponse })
  @RequirePermission('chat:use')
  async post(@Param() params: ConversationParams, @Body() body: PostMessageBody, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (acceptsEventStream(request)) {
      return sendEventStream(request, reply, async (signal) => this.replies.follow(params.id, await this.chat.startStreamedReply(params.id, body.content), signal));
    }
    void reply.status(200).send(await this.chat.reply(params.id, body.content));
  }

  /** Re-attach: the text so far as one stream of deltas, then the rest, then the outcome; an ended reply at once. */
  @Get(':id/messages/:messageId/stream')
  @ApiOperation({ summary: 'Follow a reply (server-sent events): every delta so far, then the rest as it comes, then done | stopped | error' })
  @ApiProduces('text/event-stream')
  @RequirePermission('chat:use')
  async follow(@Param() params: MessageParams, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return sendEventStream(request, reply, (signal) => this.replies.follow(params.id, params.messageId, signal));
  }

  /** Wherever the reply runs (any instance); answers once it is stored as stopped. */
  @Post(':id/messages/:messageId/stop')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop a reply in progress: it is stored as stopped with the text so far (an ended reply is answered as it is)' })
  @ApiOkResponse({ type: MessageResponse })
  @RequirePermission('chat:use')
  stop(@Param() params: MessageParams): Promise<MessageView> {
    return this.replies.stop(params.id, params.messageId);
  }

  /** Replaces the conversation's last reply (not one in progress) with a new answer to the same question; JSON or SSE like POST messages. */
  @Post(':id/messages/:messageId/regenerate')
  @HttpCode(200)
  @ApiOperation({ summary: "Regenerate the conversation's last reply (also the retry of a failed one); JSON or server-sent events like sending a message" })
  @ApiProduces('application/json', 'text/event-stream')
  @ApiOkResponse({ type: ReplyResponse })
  @RequirePermission('chat:use')
  async regenerate(@Param() params: MessageParams, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (acceptsEventStream(request)) {
      return sendEventStream(request, reply, async (signal) => this.replies.follow(params.id, await this.chat.regenerate(params.id, params.messageId, true), signal));
    }
    void reply.status(200).send(await this.chat.regenerate(params.id, params.messageId, false));
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermission('chat:use')
  remove(@Param() params: ConversationParams): Promise<void> {
    return this.conversations.remove(params.id);
  }
}
