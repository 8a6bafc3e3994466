import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { AppConfig } from '../../../platform/config/config.js';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { HttpError } from '../../../platform/http/app-error.js';
import { type RateLimitDecision, RateLimiter } from '../../../platform/rate-limit/rate-limiter.js';
import { AssistantService } from '../assistant/assistant.service.js';
import { ChatError, ChatErrorCode } from '../chat.errors.js';
import { ChatService } from '../conversations/chat.service.js';
import type { WidgetChatResponse, WidgetSessionResponse } from './dto/widget.dto.js';
import { decodeSessionId, encodeSessionId } from './session-id.js';
import { WidgetError } from './widget.errors.js';
import { WidgetRepository, type WidgetTenantRow } from './widget.repository.js';

/** limits.chat_per_10s of a tenant that has none in tenants.limit_overrides. */
export const DEFAULT_CHAT_PER_10S = 10;
export const CHAT_WINDOW_SECONDS = 10;

const chatLimit = z.number().int().min(0);

/**
 * The seed demo's public widget API on top of ChatService: a session is a conversation on the
 * 'widget' channel, stored under RLS like any other. The widget acts for the tenant as no user,
 * with chat:use only: it reaches the conversations started by no user (ConversationsService).
 *
 * Only active tenants whose assistant has widget_enabled answer; any other slug is "Unknown
 * tenant" (404), so the widget does not reveal which tenants exist with the widget off.
 * POST /chat is limited per tenant to limits.chat_per_10s requests in any 10 s (RateLimiter,
 * Redis, shared by every instance); the check comes after the cheap refusals (unknown tenant,
 * malformed or foreign session) and before anything is stored or the model is called.
 */
@Injectable()
export class WidgetService {
  constructor(
    private readonly ctx: TenantContext,
    private readonly config: AppConfig,
    private readonly tenants: WidgetRepository,
    private readonly chat: ChatService,
    private readonly assistant: AssistantService,
    private readonly limiter: RateLimiter,
  ) {}

  async startSession(slug: string): Promise<WidgetSessionResponse> {
    const tenant = await this.tenantOf(slug);
    return this.asWidget(tenant, async () => {
      await this.requireWidgetEnabled();
      const conversation = await this.chat.startConversation('widget');
      return {
        session_id: encodeSessionId({ tenantId: tenant.id, conversationId: conversation.id }),
        tenant: { id: tenant.slug, name: tenant.name, welcome: conversation.welcome },
      };
    });
  }

  /** The reply, and the rate-limit state for the response headers. */
  async reply(input: { tenant_id: string; session_id: string; message: string }): Promise<{ response: WidgetChatResponse; rateLimit: RateLimitDecision }> {
    const message = this.checkedMessage(input.message);
    const tenant = await this.tenantOf(input.tenant_id);
    const session = decodeSessionId(input.session_id);
    if (!session) throw WidgetError.sessionNotFound();
    if (session.tenantId !== tenant.id) throw WidgetError.sessionTenantMismatch();

    const rateLimit = await this.limiter.consume(`widget-chat:${tenant.id}`, chatLimitOf(tenant), CHAT_WINDOW_SECONDS);
    if (!rateLimit.allowed) throw WidgetError.rateLimited(rateLimit);

    return this.asWidget(tenant, async () => {
      await this.requireWidgetEnabled();
      const result = await this.chat.reply(session.conversationId, message).catch((error: unknown) => {
        throw error instanceof ChatError && error.code === ChatErrorCode.ConversationNotFound ? WidgetError.sessionNotFound() : error;
      });
      return {
        response: { tenant_id: tenant.slug, session_id: input.session_id, reply: result.reply, model: result.model, mock: result.mock },
        rateLimit,
      };
    });
  }

  private async tenantOf(slug: string): Promise<WidgetTenantRow> {
    const tenant = await this.tenants.findTenantBySlug(slug);
    if (!tenant || tenant.status !== 'active') throw WidgetError.tenantNotFound();
    return tenant;
  }

  /** Runs `fn` as the tenant's public widget: the tenant in context, no user, chat:use only. */
  private asWidget<T>(tenant: WidgetTenantRow, fn: () => Promise<T>): Promise<T> {
    const request = this.ctx.current();
    return this.ctx.run({ tenantId: tenant.id, channel: 'widget', permissions: ['chat:use'], ip: request?.ip, userAgent: request?.userAgent }, fn);
  }

  private async requireWidgetEnabled(): Promise<void> {
    if (!(await this.assistant.get()).widgetEnabled) throw WidgetError.tenantNotFound();
  }

  private checkedMessage(message: string): string {
    const trimmed = message.trim();
    const max = this.config.env.MAX_MESSAGE_CHARS;
    if (trimmed.length === 0) throw HttpError.validation('request body', [{ field: 'message', message: 'must not be empty' }]);
    if (trimmed.length > max) throw HttpError.validation('request body', [{ field: 'message', message: `must be at most ${max} characters` }]);
    return trimmed;
  }
}

/** tenants.limit_overrides.chat_per_10s, or the default when absent or malformed. */
function chatLimitOf(tenant: WidgetTenantRow): number {
  const overrides = tenant.limitOverrides as Record<string, unknown> | null;
  const parsed = chatLimit.safeParse(overrides?.chat_per_10s);
  return parsed.success ? parsed.data : DEFAULT_CHAT_PER_10S;
}
