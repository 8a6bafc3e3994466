import type { ChatRequest } from './chat-provider.js';

/**
 * A deterministic token estimate (about four characters per token): what the built-in models
 * report, what usage reservations are sized with, and the fallback when a provider's stream
 * reports no usage. Never billed as exact; a provider's own counts win when it sends them.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The estimate of everything a request sends: system prompt, history and the new message. */
export function estimatePromptTokens(request: Pick<ChatRequest, 'systemPrompt' | 'history' | 'message'>): number {
  const parts = [request.systemPrompt ?? '', ...request.history.map((turn) => turn.content), request.message];
  return parts.reduce((sum, part) => sum + estimateTokens(part), 0);
}
