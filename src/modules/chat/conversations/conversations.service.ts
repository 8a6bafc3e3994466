import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { HttpError } from '../../../platform/http/app-error.js';
import { decodeCursor, type Page, toPage } from '../../../platform/http/pagination.js';
import { ChatError } from '../chat.errors.js';
import { userTitleProblem } from './conversation-title.js';
import { type Channel, type ConversationScope, type ConversationView, ConversationsRepository, type MessageView } from './conversations.repository.js';

const listCursor = z.object({ updatedAt: z.iso.datetime(), id: z.guid() });
const messagesCursor = z.object({ createdAt: z.iso.datetime(), id: z.guid() });

/**
 * Who sees which conversations, within a tenant (RLS keeps other tenants out entirely):
 * - admins and owners (chat:configure) see all of the tenant's, API and widget alike;
 * - a user sees the conversations they started;
 * - a caller acting as no user sees those started by no user on its own channel: an API key the
 *   API's, the public widget the widget's (a widget session can never reach an API conversation).
 * Seeing a conversation is what it takes to use it (post, read, rename, delete). Anything else answers
 * 404 conversation_not_found, exactly like a conversation that does not exist.
 */
@Injectable()
export class ConversationsService {
  constructor(
    private readonly ctx: TenantContext,
    private readonly conversations: ConversationsRepository,
  ) {}

  async list(query: { limit: number; cursor?: string; channel?: Channel; q?: string }): Promise<Page<ConversationView>> {
    this.ctx.requirePermission('chat:use');
    const tenantId = this.ctx.requireTenantId('listing conversations');
    const after = decodeCursor(query.cursor, listCursor);
    const rows = await this.conversations.list(
      tenantId,
      this.scope(),
      { channel: query.channel, q: query.q },
      query.limit + 1,
      after && { updatedAt: new Date(after.updatedAt), id: after.id },
    );
    return toPage(rows, query.limit, (row) => ({ updatedAt: row.updatedAt.toISOString(), id: row.id }));
  }

  async messages(conversationId: string, query: { limit: number; cursor?: string }): Promise<Page<MessageView>> {
    this.ctx.requirePermission('chat:use');
    const conversation = await this.findAccessible(conversationId);
    const after = decodeCursor(query.cursor, messagesCursor);
    const rows = await this.conversations.messages(
      this.ctx.requireTenantId(),
      conversation.id,
      query.limit + 1,
      after && { createdAt: new Date(after.createdAt), id: after.id },
    );
    return toPage(rows, query.limit, (row) => ({ createdAt: row.createdAt.toISOString(), id: row.id }));
  }

  async get(conversationId: string): Promise<ConversationView> {
    this.ctx.requirePermission('chat:use');
    return this.findAccessible(conversationId);
  }

  /** Sets the title the caller chose; a generated title never replaces it (docs/adr/0010-conversation-titles.md). */
  async rename(conversationId: string, title: string): Promise<ConversationView> {
    this.ctx.requirePermission('chat:use');
    const trimmed = typeof title === 'string' ? title.trim() : '';
    const problem = userTitleProblem(trimmed);
    if (problem) throw HttpError.validation('request body', [{ field: 'title', message: problem }]);
    const conversation = await this.findAccessible(conversationId);
    const renamed = await this.conversations.setUserTitle(this.ctx.requireTenantId(), conversation.id, trimmed);
    if (!renamed) throw ChatError.conversationNotFound();
    return renamed;
  }

  /** Deletes the conversation and its messages. */
  async remove(conversationId: string): Promise<void> {
    this.ctx.requirePermission('chat:use');
    const conversation = await this.findAccessible(conversationId);
    if (!(await this.conversations.delete(this.ctx.requireTenantId(), conversation.id))) throw ChatError.conversationNotFound();
  }

  /** The conversation, if the caller may use it; else 404 (whether it exists elsewhere or not). */
  async findAccessible(conversationId: string): Promise<ConversationView> {
    const tenantId = this.ctx.requireTenantId('reading a conversation');
    const conversation = await this.conversations.find(tenantId, conversationId, this.scope());
    if (!conversation) throw ChatError.conversationNotFound();
    return conversation;
  }

  /** The caller's scope (see the class comment). */
  scope(): ConversationScope {
    if (this.ctx.hasPermission('chat:configure')) return { all: true };
    const userId = this.ctx.userId;
    return userId ? { all: false, userId } : { all: false, userId: null, channel: this.ctx.current()?.channel ?? 'api' };
  }
}
