import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../../platform/config/config.js';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { ChatError } from '../chat.errors.js';
import { ConversationsRepository, type MessageView } from '../conversations/conversations.repository.js';
import { ConversationsService } from '../conversations/conversations.service.js';
import { LiveReplies } from './live-replies.js';
import { type FollowedReply, problemData, type ReplyFrame, ReplyStreams } from './reply-streams.js';

/** Past its deadline and this margin, a reply still pending has lost its process: followers stop waiting. */
const ABANDONED_MARGIN_MS = 60_000;
/** How long a stop request waits for the reply to store itself as stopped before answering. */
const STOP_WAIT_MS = 10_000;

/**
 * Replies in progress, seen from any instance (docs/adr/0016): follow one (the text so far, then
 * the rest, then its outcome), or stop one wherever it runs. Access is the conversation's: who may
 * read the conversation may follow and stop its replies.
 */
@Injectable()
export class RepliesService {
  constructor(
    private readonly ctx: TenantContext,
    private readonly config: AppConfig,
    private readonly conversations: ConversationsService,
    private readonly repository: ConversationsRepository,
    private readonly live: LiveReplies,
    private readonly streams: ReplyStreams,
  ) {}

  /**
   * The reply's frames: for one in progress, every delta so far then the rest as it comes; for one
   * that has ended, its whole text as one delta and its outcome. Ends when `signal` aborts.
   */
  async follow(conversationId: string, messageId: string, signal: AbortSignal): Promise<FollowedReply> {
    const message = await this.reply(conversationId, messageId);
    if (message.status !== 'pending') return { messageId, frames: framesOf(message) };
    return { messageId, frames: this.streams.follow(messageId, signal, () => this.outcomeIfEnded(conversationId, messageId)) };
  }

  /** Stops a reply in progress (here or on another instance) and answers with it once stored; a reply that has ended already is answered as it is. */
  async stop(conversationId: string, messageId: string): Promise<MessageView> {
    const message = await this.reply(conversationId, messageId);
    if (message.status !== 'pending') return message;
    await this.live.stop(messageId);
    const waited = AbortSignal.timeout(STOP_WAIT_MS);
    // The stream's final frame says the outcome is stored; the stored message is the answer.
    for await (const _frame of this.streams.follow(messageId, waited, () => this.outcomeIfEnded(conversationId, messageId))) {
      // drain to the final frame
    }
    return this.reply(conversationId, messageId);
  }

  /** The assistant message of an accessible conversation; 404 otherwise. */
  private async reply(conversationId: string, messageId: string): Promise<MessageView> {
    this.ctx.requirePermission('chat:use');
    const conversation = await this.conversations.findAccessible(conversationId);
    const message = await this.repository.findMessage(this.ctx.requireTenantId(), conversation.id, messageId);
    if (!message || message.role !== 'assistant') throw ChatError.messageNotFound();
    return message;
  }

  /** The stored outcome as frames once the reply has ended (or been abandoned); undefined while it runs. */
  private async outcomeIfEnded(conversationId: string, messageId: string): Promise<ReplyFrame[] | undefined> {
    const message = await this.repository.findMessage(this.ctx.requireTenantId(), conversationId, messageId);
    if (!message) return [{ event: 'error', data: problemData(ChatError.messageNotFound()) }];
    if (message.status !== 'pending') return [finalFrame(message)];
    const abandonedAt = message.createdAt.getTime() + this.config.env.CHAT_REPLY_DEADLINE_MS + ABANDONED_MARGIN_MS;
    if (Date.now() > abandonedAt && !this.live.isRunning(messageId)) {
      return [{ event: 'error', data: problemData(ChatError.providerFailed('the reply was abandoned (its server stopped)', messageId)) }];
    }
    return undefined;
  }
}

function framesOf(message: MessageView): ReplyFrame[] {
  const frames: ReplyFrame[] = [];
  if (message.content) frames.push({ event: 'delta', data: { text: message.content } });
  frames.push(finalFrame(message));
  return frames;
}

/** The outcome frame of a stored reply (its `reply` is the whole text: clients replace what they showed). */
function finalFrame(message: MessageView): ReplyFrame {
  const usage = { promptTokens: message.promptTokens, completionTokens: message.completionTokens };
  switch (message.status) {
    case 'complete':
      return { event: 'done', data: { messageId: message.id, model: message.model, usage, reply: message.content } };
    case 'stopped':
      return { event: 'stopped', data: { messageId: message.id, model: message.model, usage, reply: message.content } };
    default:
      return { event: 'error', data: problemData(ChatError.providerFailed(message.error ?? 'failed', message.id)) };
  }
}
