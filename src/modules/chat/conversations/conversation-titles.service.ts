import { Injectable } from '@nestjs/common';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { TenantDb } from '../../../platform/db/tenant-db.js';
import { UsageService } from '../../usage/usage.service.js';
import { AssistantService } from '../assistant/assistant.service.js';
import type { Completion } from '../providers/chat-provider.js';
import { ChatProviders } from '../providers/chat-providers.js';
import { estimatePromptTokens } from '../providers/token-estimate.js';
import { cleanTitle, TITLE_MAX_TOKENS, titleRequest } from './conversation-title.js';
import { ConversationsRepository } from './conversations.repository.js';
import { ConversationsService } from './conversations.service.js';

/**
 * What one title run did. Only `titled` and `empty` called the model (and consumed tokens); every
 * other outcome is decided before any call, so running it again (at-least-once jobs) costs nothing.
 */
export type TitleOutcome =
  | 'titled'
  /** The model answered nothing usable: tokens metered, the placeholder kept. */
  | 'empty'
  /** A user set the title: it stays. */
  | 'user_title'
  /** Tokens metered, nothing stored: while the model answered, a user set the title (or another run stored one, or the conversation was deleted). */
  | 'superseded'
  | 'already_titled'
  /** The tenant turned titles off (assistant autoTitles), or uses a built-in model (it would echo). */
  | 'disabled'
  /** No such conversation in this tenant (deleted, or not the caller's). */
  | 'not_found'
  | 'no_exchange';

/**
 * Titles written by the tenant's assistant (docs/adr/0010-conversation-titles.md): after the first
 * exchange, the tenant's model gets a fixed instruction and that exchange (bounded) and answers a
 * few words. Metered like a reply, tokens only (a title is not a message): reserve the estimate
 * before the call (402 quota_exceeded: no call at all), settle the real count, release on failure.
 * A title a user set is never replaced, even one set while the model was answering.
 */
@Injectable()
export class ConversationTitlesService {
  constructor(
    private readonly ctx: TenantContext,
    private readonly db: TenantDb,
    private readonly conversations: ConversationsService,
    private readonly repository: ConversationsRepository,
    private readonly assistant: AssistantService,
    private readonly providers: ChatProviders,
    private readonly usage: UsageService,
  ) {}

  /** Throws quota_exceeded (UsageError) before any call, and provider failures (ProviderError) after releasing. */
  async generate(conversationId: string): Promise<{ outcome: TitleOutcome; title?: string }> {
    this.ctx.requirePermission('chat:use');
    const tenantId = this.ctx.requireTenantId('titling a conversation');
    const settings = await this.assistant.replySettings();
    if (!settings.autoTitles || settings.provider === 'builtin') return { outcome: 'disabled' };
    const source = await this.repository.titleSource(tenantId, conversationId, this.conversations.scope());
    if (source === undefined) return { outcome: 'not_found' };
    if (source === 'user') return { outcome: 'user_title' };
    if (source === 'generated') return { outcome: 'already_titled' };
    const exchange = await this.repository.firstExchange(tenantId, conversationId);
    if (!exchange) return { outcome: 'no_exchange' };

    const request = titleRequest(exchange, settings);
    const reservation = await this.usage.reserve({ tokens: estimatePromptTokens(request) + TITLE_MAX_TOKENS });
    let completion: Completion;
    try {
      completion = await this.providers.for(settings).complete(request);
    } catch (error) {
      await this.usage.release(reservation);
      throw error;
    }
    const title = cleanTitle(completion.text);
    return this.db.transaction(async () => {
      await this.usage.settle(reservation, { tokens: completion.usage.promptTokens + completion.usage.completionTokens });
      if (title === null) return { outcome: 'empty' as const };
      if (!(await this.repository.setGeneratedTitle(tenantId, conversationId, title))) return { outcome: 'superseded' as const };
      return { outcome: 'titled' as const, title };
    });
  }
}
