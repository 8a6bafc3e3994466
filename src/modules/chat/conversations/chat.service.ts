import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../../platform/config/config.js';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { TenantDb } from '../../../platform/db/tenant-db.js';
import { HttpError } from '../../../platform/http/app-error.js';
import { type Reservation, UsageService } from '../../usage/usage.service.js';
import { AssistantService } from '../assistant/assistant.service.js';
import { ChatError } from '../chat.errors.js';
import { ConversationTitleJobs } from '../jobs/conversation-title.jobs.js';
import { type ChatProvider, type ChatRequest, ProviderError, type TokenUsage } from '../providers/chat-provider.js';
import { ChatProviders } from '../providers/chat-providers.js';
import { estimatePromptTokens, estimateTokens } from '../providers/token-estimate.js';
import { type Channel, ConversationsRepository, type MessageView } from './conversations.repository.js';
import { ConversationsService } from './conversations.service.js';
import { ReplyDeadline } from './reply-deadline.js';

/** Earlier messages sent to the model with each new one (complete ones only), and their size cap. */
export const HISTORY_MESSAGES = 20;
export const HISTORY_MAX_CHARS = 32_000;
const TITLE_CHARS = 80;

export interface ReplyResult {
  reply: string;
  model: string;
  /** True for the built-in deterministic models. */
  mock: boolean;
  /** The stored assistant message. */
  messageId: string;
  message: MessageView;
  usage: TokenUsage;
}

export type ChatStreamEvent =
  | { type: 'delta'; text: string }
  | { type: 'done'; result: ReplyResult }
  | { type: 'error'; error: ChatError };

/** One exchange in flight: what `begin` stored and reserved, and what the model gets. */
interface Turn {
  tenantId: string;
  conversationId: string;
  provider: ChatProvider;
  request: ChatRequest;
  reservation: Reservation;
  assistantMessageId: string;
  /** When the exchange began (the messages' creation time): the reply's deadline counts from it. */
  startedAt: Date;
  /** The first answer of a conversation whose tenant turned titles on: once complete, it asks for a title. */
  wantsTitle: boolean;
}

export const CLIENT_DISCONNECTED = 'the client disconnected before the reply was complete';

/**
 * Conversations with the tenant's assistant, for the API and the public widget alike.
 *
 * A reply: (1) one unit of work checks access, reserves usage (messages 1, tokens = prompt estimate
 * + max tokens; a quota refusal undoes it all), stores the user's message and a pending assistant
 * message; (2) the model is called outside any transaction; (3) a second unit of work completes the
 * assistant message and settles the real usage, or marks it failed with the error and releases
 * the reservation. Nothing is lost: the user's message is stored before the model is asked.
 *
 * A streamed reply that the client abandons is aborted at the provider and stored as failed with
 * the text produced so far; its tokens are metered (the provider did produce them).
 *
 * Every reply has a total deadline (CHAT_REPLY_DEADLINE_MS from its start, ReplyDeadline): past it
 * the provider call is aborted and the reply fails like a provider time-out (reservation released,
 * 502 provider_failed). A reply whose process died stays pending until the interrupted-replies
 * sweep marks it failed (InterruptedRepliesService).
 *
 * The first complete answer of a conversation asks for its title (ConversationTitleJobs, when the
 * tenant's assistant has autoTitles on); until then the first message, cut, is its placeholder title.
 *
 * Callers need chat:use in the tenant context in force: a user (access token), an API key, or the
 * widget acting for the tenant as no user. Which conversations each may use: ConversationsService.
 */
@Injectable()
export class ChatService {
  private readonly logger = new Logger(ChatService.name);

  constructor(
    private readonly ctx: TenantContext,
    private readonly db: TenantDb,
    private readonly config: AppConfig,
    private readonly conversations: ConversationsService,
    private readonly repository: ConversationsRepository,
    private readonly assistant: AssistantService,
    private readonly providers: ChatProviders,
    private readonly usage: UsageService,
    private readonly titles: ConversationTitleJobs,
  ) {}

  async startConversation(channel: Channel): Promise<{ id: string; welcome: string }> {
    this.ctx.requirePermission('chat:use');
    const tenantId = this.ctx.requireTenantId('starting a conversation');
    const [conversation, assistant] = await Promise.all([
      this.repository.create(tenantId, channel, this.ctx.userId ?? null),
      this.assistant.get(),
    ]);
    return { id: conversation.id, welcome: assistant.welcomeMessage };
  }

  /** The whole reply at once; a provider failure is ChatError provider_failed (502), both messages kept. */
  async reply(conversationId: string, content: string): Promise<ReplyResult> {
    const turn = await this.begin(conversationId, content);
    const deadline = this.deadlineOf(turn);
    let completion;
    try {
      completion = await turn.provider.complete({ ...turn.request, signal: deadline.signal() });
    } catch (error) {
      throw await this.failed(turn, deadline.expired ? deadline.error() : error, '');
    } finally {
      deadline.dispose();
    }
    return this.finish(turn, completion.text, completion.usage);
  }

  /**
   * The reply as it is produced. Errors before the model is called (validation, access, quota) are
   * thrown here; afterwards the stream ends with `done`, or with `error` (provider_failed, both
   * messages kept). `signal` aborts the provider call (the client went away).
   */
  async streamReply(conversationId: string, content: string, signal?: AbortSignal): Promise<AsyncIterable<ChatStreamEvent>> {
    const turn = await this.begin(conversationId, content);
    return this.streamTurn(turn, signal);
  }

  private async *streamTurn(turn: Turn, signal?: AbortSignal): AsyncGenerator<ChatStreamEvent> {
    let text = '';
    let usage: TokenUsage | undefined;
    let settled = false;
    const deadline = this.deadlineOf(turn);
    try {
      try {
        for await (const chunk of turn.provider.stream({ ...turn.request, signal: deadline.signal(signal) })) {
          if (chunk.type === 'usage') {
            usage = chunk.usage;
            continue;
          }
          text += chunk.text;
          yield { type: 'delta', text: chunk.text };
        }
      } catch (error) {
        if (signal?.aborted) return; // the finally below records the disconnect
        settled = true;
        yield { type: 'error', error: await this.failed(turn, deadline.expired ? deadline.error() : error, text) };
        return;
      }
      settled = true;
      yield { type: 'done', result: await this.finish(turn, text, usage ?? this.estimate(turn, text)) };
    } finally {
      deadline.dispose();
      // Reached without settling: the consumer stopped reading, or the signal aborted the call.
      if (!settled) await this.record(turn, { status: 'failed', content: text, error: CLIENT_DISCONNECTED }, this.estimate(turn, text));
    }
  }

  /** Unit of work 1: access, validation, usage reservation, the user's message, a pending reply. */
  private async begin(conversationId: string, content: string): Promise<Turn> {
    this.ctx.requirePermission('chat:use');
    const tenantId = this.ctx.requireTenantId('replying');
    const message = this.checkedContent(content);
    const settings = await this.assistant.replySettings();
    return this.db.transaction(async () => {
      const conversation = await this.conversations.findAccessible(conversationId);
      const history = await this.repository.history(tenantId, conversation.id, HISTORY_MESSAGES);
      const request: ChatRequest = {
        model: settings.model,
        systemPrompt: settings.systemPrompt,
        history: boundHistory(history),
        message,
        temperature: settings.temperature,
        maxTokens: settings.maxTokens,
        welcome: settings.welcome,
      };
      const reservation = await this.usage.reserve({ messages: 1, tokens: estimatePromptTokens(request) + settings.maxTokens });
      const now = new Date();
      const base = { tenantId, conversationId: conversation.id, completionTokens: 0 };
      const assistantMessageId = randomUUID();
      // The messages and the conversation's activity in one statement (one round trip).
      await this.repository.insertTurn(tenantId, conversation.id, [
        { ...base, id: randomUUID(), role: 'user', content: message, status: 'complete', model: null, promptTokens: estimateTokens(message), createdAt: now },
        // One millisecond later: both rows are written in one statement, and the reply sorts after the question.
        { ...base, id: assistantMessageId, role: 'assistant', content: '', status: 'pending', model: settings.model, promptTokens: 0, createdAt: new Date(now.getTime() + 1) },
      ], titleOf(message), now);
      // Built-in models would only echo the request: their conversations keep the placeholder title.
      const wantsTitle = settings.autoTitles && settings.provider !== 'builtin' && !history.some((turn) => turn.role === 'assistant');
      return { tenantId, conversationId: conversation.id, provider: this.providers.for(settings), request, reservation, assistantMessageId, startedAt: now, wantsTitle };
    });
  }

  /** Unit of work 2 (success): the complete reply, and the real usage. */
  private async finish(turn: Turn, text: string, usage: TokenUsage): Promise<ReplyResult> {
    const message = await this.record(turn, { status: 'complete', content: text, error: null }, usage);
    if (message && turn.wantsTitle) this.titles.request({ tenantId: turn.tenantId, conversationId: turn.conversationId });
    return {
      reply: text,
      model: turn.request.model,
      mock: turn.provider.mock,
      messageId: turn.assistantMessageId,
      message: message ?? this.detached(turn, text, usage),
      usage,
    };
  }

  /** Unit of work 2 (failure): the failed reply, the reservation released; returns the error to surface. */
  private async failed(turn: Turn, error: unknown, partial: string): Promise<ChatError> {
    const reason = error instanceof ProviderError ? error.message : 'internal error';
    if (!(error instanceof ProviderError)) this.logger.error({ err: error, messageId: turn.assistantMessageId }, 'reply failed');
    await this.record(turn, { status: 'failed', content: partial, error: reason }, undefined);
    return ChatError.providerFailed(reason, turn.assistantMessageId);
  }

  /** Stores the outcome and settles (consumed) or releases (nothing consumed) the reservation, together. */
  private record(
    turn: Turn,
    outcome: { status: 'complete' | 'failed'; content: string; error: string | null },
    consumed: TokenUsage | undefined,
  ): Promise<MessageView | null> {
    return this.db.transaction(async () => {
      const message = await this.repository.finishMessage(turn.tenantId, turn.assistantMessageId, {
        ...outcome,
        promptTokens: consumed?.promptTokens ?? 0,
        completionTokens: consumed?.completionTokens ?? 0,
      });
      if (consumed) await this.usage.settle(turn.reservation, { messages: 1, tokens: consumed.promptTokens + consumed.completionTokens });
      else await this.usage.release(turn.reservation);
      return message;
    });
  }

  private deadlineOf(turn: Turn): ReplyDeadline {
    return new ReplyDeadline(this.config.env.CHAT_REPLY_DEADLINE_MS, turn.startedAt);
  }

  private estimate(turn: Turn, text: string): TokenUsage {
    return { promptTokens: estimatePromptTokens(turn.request), completionTokens: estimateTokens(text) };
  }

  /** The reply of a conversation deleted while the model was answering: nothing left to store it in. */
  private detached(turn: Turn, text: string, usage: TokenUsage): MessageView {
    return {
      id: turn.assistantMessageId,
      conversationId: turn.conversationId,
      role: 'assistant',
      content: text,
      status: 'complete',
      model: turn.request.model,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      error: null,
      createdAt: new Date(),
    };
  }

  /** 1 to MAX_MESSAGE_CHARS characters after trimming; checked here so every channel obeys it. */
  private checkedContent(content: string): string {
    const trimmed = typeof content === 'string' ? content.trim() : '';
    const max = this.config.env.MAX_MESSAGE_CHARS;
    if (trimmed.length === 0) throw HttpError.validation('request body', [{ field: 'content', message: 'must not be empty' }]);
    if (trimmed.length > max) throw HttpError.validation('request body', [{ field: 'content', message: `must be at most ${max} characters` }]);
    return trimmed;
  }
}

/** Drops the oldest turns until the history fits HISTORY_MAX_CHARS. */
function boundHistory(turns: ChatRequest['history']): ChatRequest['history'] {
  let total = turns.reduce((sum, t) => sum + t.content.length, 0);
  let start = 0;
  while (total > HISTORY_MAX_CHARS && start < turns.length) total -= turns[start++]!.content.length;
  return turns.slice(start);
}

function titleOf(message: string): string {
  const oneLine = message.replace(/\s+/g, ' ');
  return oneLine.length > TITLE_CHARS ? `${oneLine.slice(0, TITLE_CHARS - 1)}…` : oneLine;
}
