import { errorClass } from '../../platform/http/app-error.js';

export enum ChatErrorCode {
  /** Missing, deleted, another tenant's, or not the caller's: all look the same. */
  ConversationNotFound = 'conversation_not_found',
  PromptNotFound = 'prompt_not_found',
  /** The base URL would make our servers call a private, loopback, link-local or metadata address (or http in production). */
  BaseUrlNotAllowed = 'base_url_not_allowed',
  /** The model provider failed (error status, time-out, broken stream); the messages are kept. */
  ProviderFailed = 'provider_failed',
}

const STATUS: Record<ChatErrorCode, number> = {
  [ChatErrorCode.ConversationNotFound]: 404,
  [ChatErrorCode.PromptNotFound]: 404,
  [ChatErrorCode.BaseUrlNotAllowed]: 400,
  [ChatErrorCode.ProviderFailed]: 502,
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
}
