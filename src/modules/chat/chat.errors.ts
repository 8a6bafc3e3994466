import { errorClass } from '../../platform/http/app-error.js';

export enum ChatErrorCode {
  /** Missing, deleted, another tenant's, or not the caller's: all look the same. */
  ConversationNotFound = 'conversation_not_found',
  PromptNotFound = 'prompt_not_found',
  /** The base URL would make our servers call a private, loopback, link-local or metadata address (or http in production). */
  BaseUrlNotAllowed = 'base_url_not_allowed',
  /** The model provider failed (error status, time-out, broken stream); the messages are kept. */
  ProviderFailed = 'provider_failed',
  /** No such message in this conversation (or not one the route acts on). */
  MessageNotFound = 'message_not_found',
  /** Only the conversation's last reply can be regenerated. */
  NotLastReply = 'not_last_reply',
  /** The reply is still being generated: stop it first. */
  ReplyInProgress = 'reply_in_progress',
}

const STATUS: Record<ChatErrorCode, number> = {
  [ChatErrorCode.ConversationNotFound]: 404,
  [ChatErrorCode.PromptNotFound]: 404,
  [ChatErrorCode.BaseUrlNotAllowed]: 400,
  [ChatErrorCode.ProviderFailed]: 502,
  [ChatErrorCode.MessageNotFound]: 404,
  [ChatErrorCode.NotLastReply]: 409,
  [ChatErrorCode.ReplyInProgress]: 409,
};

export class ChatError extends errorClass(STATUS) {
  static conversationNotFound(): ChatError {
    return new ChatError(ChatErrorCode.ConversationNotFound, 'No such conversation');
  }

  static promptNotFound(version: number): ChatError {
    return new ChatError(ChatErrorCode.PromptNotFound, `No prompt template version ${version}`);
  }

  /** Names the field like a validation problem does, so a form can show it beside the input. */
  static baseUrlNotAllowed(reason: string): ChatError {
    return new ChatError(ChatErrorCode.BaseUrlNotAllowed, `The base URL is not allowed: ${reason}`, {
      errors: [{ field: 'baseUrl', message: reason }],
    });
  }

  /** `detail` says what failed in words safe to show (never the provider's response body or key). */
  static providerFailed(detail: string, messageId: string): ChatError {
    return new ChatError(ChatErrorCode.ProviderFailed, `The model provider failed: ${detail}`, { messageId });
  }

  static messageNotFound(): ChatError {
    return new ChatError(ChatErrorCode.MessageNotFound, 'No such message in this conversation');
  }

  static notLastReply(): ChatError {
    return new ChatError(ChatErrorCode.NotLastReply, "Only the conversation's last reply can be regenerated");
  }

  static replyInProgress(): ChatError {
    return new ChatError(ChatErrorCode.ReplyInProgress, 'This reply is still being generated: stop it first');
  }
}
