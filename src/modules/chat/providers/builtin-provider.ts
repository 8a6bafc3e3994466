import type { ChatProvider, ChatRequest, Completion, StreamChunk } from './chat-provider.js';
import { ProviderError } from './chat-provider.js';
import { estimatePromptTokens, estimateTokens } from './token-estimate.js';

/** The seed demo's models: deterministic, free, no network. */
export const BUILTIN_MODELS = ['mock-1', 'mock-2', 'mock-3'] as const;
export type BuiltinModel = (typeof BUILTIN_MODELS)[number];

export const isBuiltinModel = (model: string): model is BuiltinModel => (BUILTIN_MODELS as readonly string[]).includes(model);

/** The seed demo's replies, exactly (the message trimmed; reversed by code point). */
export function builtinReply(model: BuiltinModel, welcome: string, message: string): string {
  const msg = message.trim();
  switch (model) {
    case 'mock-1':
      return `${welcome} [ACME MOCK] You said: '${msg}'. Here's it reversed: '${Array.from(msg).reverse().join('')}'`;
    case 'mock-2':
      return `${welcome} [GLOBEX MOCK] Echo: ${msg.toUpperCase()}`;
    case 'mock-3':
      return `${welcome} [INITECH MOCK] Got it. '${msg}'. (pretend-smart summary).`;
  }
}

export class BuiltinProvider implements ChatProvider {
  readonly mock = true;
  readonly answersInProcess = true;

  async complete(request: ChatRequest): Promise<Completion> {
    const text = this.replyTo(request);
    return { text, usage: { promptTokens: estimatePromptTokens(request), completionTokens: estimateTokens(text) } };
  }

  /** Word by word (each delta keeps its trailing whitespace, so the deltas join to the reply). */
  async *stream(request: ChatRequest): AsyncGenerator<StreamChunk> {
    const text = this.replyTo(request);
    for (const word of text.split(/(?<=\s)(?=\S)/)) {
      if (request.signal?.aborted) throw new ProviderError('aborted', 'the call was aborted', false);
      yield { type: 'delta', text: word };
    }
    yield { type: 'usage', usage: { promptTokens: estimatePromptTokens(request), completionTokens: estimateTokens(text) } };
  }

  private replyTo(request: ChatRequest): string {
    if (!isBuiltinModel(request.model)) throw new ProviderError('protocol', `unknown built-in model '${request.model}'`, false);
    return builtinReply(request.model, request.welcome, request.message);
  }
}
