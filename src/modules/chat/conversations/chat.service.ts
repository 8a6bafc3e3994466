import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../../platform/config/config.js';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { type Statement, sqlStateOf } from '../../../platform/db/statement.js';
import { TenantDb } from '../../../platform/db/tenant-db.js';
import { HttpError } from '../../../platform/http/app-error.js';
import { type PreparedReservation, type Reservation, UsageService } from '../../usage/usage.service.js';
import { AssistantService } from '../assistant/assistant.service.js';
import { ChatError } from '../chat.errors.js';
import { ConversationTitleJobs } from '../jobs/conversation-title.jobs.js';
import { type ChatProvider, type ChatRequest, type ChatTurn, ProviderError, type TokenUsage } from '../providers/chat-provider.js';
import { ChatProviders } from '../providers/chat-providers.js';
import { estimatePromptTokens, estimateTokens } from '../providers/token-estimate.js';
import { type AbortReason, LiveReplies } from '../replies/live-replies.js';
import { problemData, type ReplyFrame, ReplyStreams } from '../replies/reply-streams.js';
import { type Channel, ConversationsRepository, type MessageView, type NewMessage } from './conversations.repository.js';
import { ConversationsService } from './conversations.service.js';
import { ReplyDeadline } from './reply-deadline.js';

/** Earlier messages sent to the model with each new one (complete ones only), and their size cap. */
export const HISTORY_MESSAGES = 20;
export const HISTORY_MAX_CHARS = 32_000;
const TITLE_CHARS = 80;
/** SQLSTATE foreign_key_violation: a turn's messages written to a conversation deleted meanwhile. */
const FOREIGN_KEY_VIOLATION = '23503';

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

/** What a reply still running when the process shut down says (its reservation is released). */
export const SHUTDOWN_INTERRUPTED = 'interrupted: the server shut down before the reply was complete; regenerate it';

/**
 * A caller's own check of the tenant's state before a turn is written (the widget's switch and
 * allowed origins): called once the settings are read in the context (AssistantService), before
 * the reservation; throwing refuses the turn with nothing written.
 */
export type TurnAdmission = () => Promise<unknown>;

/** A turn read and planned, not written yet: its messages (the question, the pending reply) and reservation. */
interface OpenedTurn {
  turn: Turn;
  reservation: PreparedReservation;
  question: NewMessage & { id: string };
  pending: NewMessage & { id: string };
  title: string;
  at: Date;
}

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


/**
 * Conversations with the tenant's assistant, for the API and the public widget alike.
 *
 * A reply: (1) one unit of work checks access, reserves usage (messages 1, tokens = prompt estimate
 * + max tokens; a quota refusal undoes it all), stores the user's message and a pending assistant
 * message; (2) the model is called outside any transaction; (3) a second unit of work completes the
 * assistant message and settles the real usage, or marks it failed with the error and releases
 * the reservation. Nothing is lost: the user's message is stored before the model is asked.
 *
 * Every reply runs detached from its HTTP request (LiveReplies, docs/adr/0016): a streamed one
 * appends its frames to a Redis Stream (ReplyStreams) that any instance can follow, and stores its
 * text so far every CHAT_REPLY_FLUSH_MS; a client that goes away does not end it. A user may stop
 * it (stored as 'stopped' with its partial text; the tokens produced are metered), and a reply
 * still running at the end of the shutdown grace period is stored as failed, its reservation
 * released.
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
    private readonly live: LiveReplies,
    private readonly streams: ReplyStreams,
  ) {}

  /** `id`: chosen by the caller (the widget's session ids are conversation ids it makes); default: the database's random uuid. */
  async startConversation(channel: Channel, id?: string): Promise<{ id: string; welcome: string }> {
    this.ctx.requirePermission('chat:use');
    const tenantId = this.ctx.requireTenantId('starting a conversation');
    const [conversation, assistant] = await Promise.all([
      this.repository.create(tenantId, channel, this.ctx.userId ?? null, id),
      this.assistant.get(),
    ]);
    return { id: conversation.id, welcome: assistant.welcomeMessage };
  }

  /**
   * The whole reply at once; a provider failure is ChatError provider_failed (502), both messages
   * kept. A reply stopped meanwhile answers with its stopped message.
   */
  async reply(conversationId: string, content: string, admit?: TurnAdmission): Promise<ReplyResult> {
    const opened = await this.open(conversationId, content, admit);
    if (opened.turn.provider.answersInProcess) {
      const answered = await this.answerInOne(opened);
      if (answered) return answered;
    }
    const turn = await this.writePending(opened);
    return this.live.run(turn.assistantMessageId, (signal) => this.completeTurn(turn, signal));
  }

  /**
   * Starts a streamed reply, detached from the caller, and returns its assistant message id: follow
   * it with ReplyStreams (RepliesService.follow). Errors before the model is called (validation,
   * access, quota) are thrown here; afterwards the stream ends with `done`, `error` or `stopped`.
   */
  async startStreamedReply(conversationId: string, content: string): Promise<string> {
    return this.detach(await this.begin(conversationId, content));
  }

  /**
   * Answers the conversation's last question again: the last reply (complete, failed or stopped,
   * never one in progress) is replaced by a new one, with a new reservation. `stream`: detached
   * like startStreamedReply (returns the message id); else the whole reply.
   */
  async regenerate(conversationId: string, messageId: string, stream: true): Promise<string>;
  async regenerate(conversationId: string, messageId: string, stream: false): Promise<ReplyResult>;
  async regenerate(conversationId: string, messageId: string, stream: boolean): Promise<string | ReplyResult> {
    const turn = await this.beginAgain(conversationId, messageId);
    if (stream) return this.detach(turn);
    return this.live.run(turn.assistantMessageId, (signal) => this.completeTurn(turn, signal));
  }

  private detach(turn: Turn): string {
    void this.live
      .run(turn.assistantMessageId, (signal) => this.streamTurn(turn, signal))
      .catch((error: unknown) => this.logger.error({ err: error, messageId: turn.assistantMessageId }, 'a detached reply failed'));
    return turn.assistantMessageId;
  }

  private async completeTurn(turn: Turn, abort: AbortSignal): Promise<ReplyResult> {
    const deadline = this.deadlineOf(turn);
    let completion;
    try {
      completion = await turn.provider.complete({ ...turn.request, signal: deadline.signal(abort) });
    } catch (error) {
      if (abort.aborted && !deadline.expired) {
        const outcome = await this.interrupted(turn, abort.reason as AbortReason, '');
        if (outcome.error) throw outcome.error;
        return outcome.result;
      }
      throw await this.failed(turn, deadline.expired ? deadline.error() : error, '');
    } finally {
      deadline.dispose();
    }
    return this.finish(turn, completion.text, completion.usage);
  }

  /**
   * Runs a streamed reply to its end, whoever listens: frames go to the reply's Redis Stream, the
   * text so far to the database every CHAT_REPLY_FLUSH_MS, the outcome to both.
   */
  private async streamTurn(turn: Turn, abort: AbortSignal): Promise<void> {
    const id = turn.assistantMessageId;
    const ttl = this.config.env.CHAT_REPLY_DEADLINE_MS;
    const emit = (frame: ReplyFrame): Promise<void> => this.streams.append(id, frame, ttl);
    let text = '';
    let usage: TokenUsage | undefined;
    const deadline = this.deadlineOf(turn);
    const partial = new PartialText(this.config.env.CHAT_REPLY_FLUSH_MS, (so_far) => this.savePartial(turn, so_far));
    try {
      for await (const chunk of turn.provider.stream({ ...turn.request, signal: deadline.signal(abort) })) {
        if (chunk.type === 'usage') {
          usage = chunk.usage;
          continue;
        }
        text += chunk.text;
        await emit({ event: 'delta', data: { text: chunk.text } });
        partial.changed(text);
      }
    } catch (error) {
      await partial.settled();
      if (abort.aborted && !deadline.expired) {
        const outcome = await this.interrupted(turn, abort.reason as AbortReason, text);
        await emit(outcome.error ? { event: 'error', data: problemData(outcome.error) } : { event: 'stopped', data: stoppedFrame(outcome.result) });
        return;
      }
      const failure = await this.failed(turn, deadline.expired ? deadline.error() : error, text);
      await emit({ event: 'error', data: problemData(failure) });
      return;
    } finally {
      deadline.dispose();
    }
    await partial.settled();
    const result = await this.finish(turn, text, usage ?? this.estimate(turn, text));
    await emit({ event: 'done', data: doneFrame(result) });
  }

  /**
   * A reply aborted by its user (stored as stopped: the partial text, the tokens produced metered)
   * or by shutdown (stored as failed, the reservation released, the error to surface).
   */
  private async interrupted(turn: Turn, reason: AbortReason, text: string): Promise<{ result: ReplyResult; error?: undefined } | { error: ChatError; result?: undefined }> {
    if (reason === 'shutdown') {
      await this.record(turn, { status: 'failed', content: text, error: SHUTDOWN_INTERRUPTED }, undefined);
      return { error: ChatError.providerFailed(SHUTDOWN_INTERRUPTED, turn.assistantMessageId) };
    }
    const usage = this.estimate(turn, text);
    const message = await this.record(turn, { status: 'stopped', content: text, error: null }, usage);
    return {
      result: {
        reply: text,
        model: turn.request.model,
        mock: turn.provider.mock,
        messageId: turn.assistantMessageId,
        message: message ?? { ...this.detached(turn, text, usage), status: 'stopped' },
        usage,
      },
    };
  }

  /** The text so far, for a page opened mid-reply; never overwrites an outcome. Failures only cost freshness. */
  private async savePartial(turn: Turn, text: string): Promise<void> {
    await this.db
      .transaction(() => this.repository.savePartial(turn.tenantId, turn.assistantMessageId, text))
      .catch((error: unknown) => this.logger.warn({ err: error, messageId: turn.assistantMessageId }, 'could not store a reply in progress'));
  }

  /**
   * Unit of work 1: access, validation, usage reservation, the user's message, a pending reply.
   * Two round trips (docs/adr/0018): ONE batch reads the conversation (in the caller's scope) with
   * its history, and the assistant's settings; then ONE batch (all or nothing) makes the
   * reservation, which refuses itself when over quota, and writes both messages and the
   * conversation's activity.
   */
  private async begin(conversationId: string, content: string, admit?: TurnAdmission): Promise<Turn> {
    return this.writePending(await this.open(conversationId, content, admit));
  }

  /** The reservation, the question and the pending reply, in one batch. */
  private async writePending(opened: OpenedTurn): Promise<Turn> {
    const { turn } = opened;
    await this.write(opened.reservation, this.repository.turnInsertion(turn.tenantId, turn.conversationId, [opened.question, opened.pending], opened.title, opened.at));
    return turn;
  }

  /** Unit of work 1's reads and plan: the conversation, its history and the settings (one round trip), the request and its reservation. */
  private async open(conversationId: string, content: string, admit?: TurnAdmission): Promise<OpenedTurn> {
    this.ctx.requirePermission('chat:use');
    const tenantId = this.ctx.requireTenantId('replying');
    const message = this.checkedContent(content);
    // The assistant's settings (unless this context read them already) with the conversation: one round trip.
    const settingsRead = this.assistant.settingsRead();
    const turnContext = this.repository.turnContext(tenantId, conversationId, this.conversations.scope(), HISTORY_MESSAGES);
    const [context] = settingsRead ? await this.db.batch(turnContext, settingsRead) : await this.db.batch(turnContext);
    await admit?.();
    const settings = await this.assistant.replySettings();
    if (!context) throw ChatError.conversationNotFound();
    const now = new Date();
    const { turn, reservation } = await this.planTurn(tenantId, context.conversation.id, settings, context.history, message, now);
    const base = { tenantId, conversationId: turn.conversationId, completionTokens: 0 };
    return {
      turn,
      reservation,
      question: { ...base, id: randomUUID(), role: 'user', content: message, status: 'complete', model: null, promptTokens: estimateTokens(message), createdAt: now },
      // One millisecond later: both rows are written in one statement, and the reply sorts after the question.
      pending: { ...base, id: turn.assistantMessageId, role: 'assistant', content: '', status: 'pending', model: settings.model, promptTokens: 0, createdAt: new Date(now.getTime() + 1) },
      title: titleOf(message),
      at: now,
    };
  }

  /**
   * A turn whose model answers in this process (the built-in models: no I/O, nothing to wait for,
   * nothing to stop) written ONCE, complete: the reservation, both messages, the settlement and
   * the attribution in one batch (one round trip, one commit) instead of a pending reply and its
   * outcome. The quota is checked exactly as on the other path (the reservation refuses itself in
   * the same batch). Undefined when the model failed: the caller then takes the usual path, which
   * stores the question and the failure.
   */
  private async answerInOne(opened: OpenedTurn): Promise<ReplyResult | undefined> {
    const { turn } = opened;
    let completion;
    try {
      completion = await turn.provider.complete(turn.request);
    } catch {
      return undefined;
    }
    const { usage, text } = completion;
    const answer = { ...opened.pending, content: text, status: 'complete' as const, promptTokens: usage.promptTokens, completionTokens: usage.completionTokens };
    await this.write(
      opened.reservation,
      this.repository.turnInsertion(turn.tenantId, turn.conversationId, [opened.question, answer], opened.title, opened.at),
      this.usage.settlement(turn.reservation, { messages: 1, tokens: usage.promptTokens + usage.completionTokens }),
      this.usage.attribution({ model: turn.request.model, messages: 1, promptTokens: usage.promptTokens, completionTokens: usage.completionTokens }),
    );
    if (turn.wantsTitle) this.titles.request({ tenantId: turn.tenantId, conversationId: turn.conversationId });
    const { id, conversationId, role, content, status, model, promptTokens, completionTokens, createdAt } = answer;
    return {
      reply: text,
      model: turn.request.model,
      mock: turn.provider.mock,
      messageId: id,
      message: { id, conversationId, role, content, status, model, promptTokens, completionTokens, error: null, createdAt },
      usage,
    };
  }

  /** The reservation and the writes that depend on it, in one batch: all or nothing. */
  private async write(reservation: PreparedReservation, ...writes: Array<Statement<unknown>>): Promise<void> {
    try {
      await this.db.batch(reservation.statement, ...writes);
    } catch (error) {
      throw reservation.refusal(error) ?? (sqlStateOf(error) === FOREIGN_KEY_VIOLATION ? ChatError.conversationNotFound() : error);
    }
  }

  /**
   * Unit of work 1 of a regeneration: the conversation's last message must be the assistant reply
   * named, not in progress; it is replaced by a pending one answering the same question, with the
   * history before that question.
   */
  private async beginAgain(conversationId: string, messageId: string): Promise<Turn> {
    this.ctx.requirePermission('chat:use');
    const tenantId = this.ctx.requireTenantId('replying');
    const settings = await this.assistant.replySettings();
    return this.db.transaction(async () => {
      const conversation = await this.conversations.findAccessible(conversationId);
      const [last, question] = await this.repository.lastMessages(tenantId, conversation.id, 2);
      if (!last || last.id !== messageId || last.role !== 'assistant') throw ChatError.notLastReply();
      if (last.status === 'pending') throw ChatError.replyInProgress();
      if (!question || question.role !== 'user') throw ChatError.notLastReply();
      const history = await this.repository.history(tenantId, conversation.id, HISTORY_MESSAGES, question.createdAt);
      const now = new Date();
      const { turn, reservation } = await this.planTurn(tenantId, conversation.id, settings, history, question.content, now);
      await this.repository.deleteMessage(tenantId, last.id);
      await this.write(
        reservation,
        this.repository.turnInsertion(
          tenantId,
          conversation.id,
          [{ tenantId, conversationId: conversation.id, id: turn.assistantMessageId, role: 'assistant', content: '', status: 'pending', model: settings.model, promptTokens: 0, completionTokens: 0, createdAt: now }],
          titleOf(question.content),
          now,
        ),
      );
      return turn;
    });
  }

  /** The model request and its reservation, not made yet (messages 1, tokens = prompt estimate + max tokens): `write` makes it with the turn's messages. */
  private async planTurn(
    tenantId: string,
    conversationId: string,
    settings: Awaited<ReturnType<AssistantService['replySettings']>>,
    history: ChatTurn[],
    message: string,
    now: Date,
  ): Promise<{ turn: Turn; reservation: PreparedReservation }> {
    const request: ChatRequest = {
      model: settings.model,
      systemPrompt: settings.systemPrompt,
      history: boundHistory(history),
      message,
      temperature: settings.temperature,
      maxTokens: settings.maxTokens,
      welcome: settings.welcome,
    };
    const reservation = await this.usage.prepareReservation({ messages: 1, tokens: estimatePromptTokens(request) + settings.maxTokens }, now);
    // Built-in models would only echo the request: their conversations keep the placeholder title.
    const wantsTitle = settings.autoTitles && settings.provider !== 'builtin' && !history.some((turn) => turn.role === 'assistant');
    return {
      turn: { tenantId, conversationId, provider: this.providers.for(settings), request, reservation: reservation.reservation, assistantMessageId: randomUUID(), startedAt: now, wantsTitle },
      reservation,
    };
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

  /**
   * Stores the outcome and settles (consumed) or releases (nothing consumed) the reservation,
   * together: one batch, one round trip, all or nothing.
   */
  private async record(
    turn: Turn,
    outcome: { status: 'complete' | 'failed' | 'stopped'; content: string; error: string | null },
    consumed: TokenUsage | undefined,
  ): Promise<MessageView | null> {
    const finishing = this.repository.finishing(turn.tenantId, turn.assistantMessageId, {
      ...outcome,
      promptTokens: consumed?.promptTokens ?? 0,
      completionTokens: consumed?.completionTokens ?? 0,
    });
    if (!consumed) return (await this.db.batch(finishing, this.usage.releasing(turn.reservation)))[0];
    const [message] = await this.db.batch(
      finishing,
      this.usage.settlement(turn.reservation, { messages: 1, tokens: consumed.promptTokens + consumed.completionTokens }),
      this.usage.attribution({ model: turn.request.model, messages: 1, promptTokens: consumed.promptTokens, completionTokens: consumed.completionTokens }),
    );
    return message;
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

/** The `done` frame: the stored message id, model and token counts, and the whole reply. */
export function doneFrame(result: ReplyResult): Record<string, unknown> {
  const { messageId, model, mock, usage, reply } = result;
  return { messageId, model, mock, usage, reply };
}

function stoppedFrame(result: ReplyResult): Record<string, unknown> {
  const { messageId, model, usage, reply } = result;
  return { messageId, model, usage, reply };
}

/**
 * Stores a reply's text so far at most every `everyMs` (a timer, so a model that pauses still has
 * its text stored), one write at a time, never blocking the stream; `settled` cancels the next
 * write and waits for the one in flight (the outcome must be stored after it).
 */
class PartialText {
  private latest = '';
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly everyMs: number,
    private readonly save: (text: string) => Promise<void>,
  ) {}

  changed(text: string): void {
    this.latest = text;
    this.timer ??= setTimeout(() => {
      this.inFlight = this.inFlight.then(() => this.save(this.latest)).finally(() => (this.timer = undefined));
    }, this.everyMs);
  }

  async settled(): Promise<void> {
    clearTimeout(this.timer);
    await this.inFlight;
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
