/**
 * The one interface every model provider implements: the built-in deterministic models and any
 * OpenAI-compatible HTTP endpoint (OpenAI, Ollama, vLLM, ...). The chat service never knows which.
 */

export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  model: string;
  /** The rendered system prompt of the tenant's active template; none when no version is published. */
  systemPrompt?: string;
  /** Earlier turns of the conversation, oldest first (already bounded by the caller). */
  history: ChatTurn[];
  /** The user's new message, trimmed. */
  message: string;
  temperature: number;
  maxTokens: number;
  /** The tenant's welcome message: the built-in models quote it, HTTP providers ignore it. */
  welcome: string;
  /** Aborts the call (client gone, shutdown). */
  signal?: AbortSignal;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface Completion {
  text: string;
  usage: TokenUsage;
}

/** A stream is text deltas followed by exactly one usage chunk, last. */
export type StreamChunk = { type: 'delta'; text: string } | { type: 'usage'; usage: TokenUsage };

export interface ChatProvider {
  /** True for the built-in deterministic models (the widget API reports it as `mock`). */
  readonly mock: boolean;
  /**
   * True when the model answers in this process, without I/O (the built-in models): its whole
   * turn can be written at once, complete (ChatService).
   */
  readonly answersInProcess: boolean;
  complete(request: ChatRequest): Promise<Completion>;
  stream(request: ChatRequest): AsyncIterable<StreamChunk>;
}

/** `refused`: the SSRF guard would not connect to the base URL (docs/adr/0011-outbound-requests.md). */
export type ProviderFailureKind = 'http' | 'timeout' | 'network' | 'protocol' | 'aborted' | 'refused';

/**
 * Why a provider call failed, in words safe to store and show: never the provider's response body,
 * never the API key. `retryable` says whether a fresh attempt may succeed.
 */
export class ProviderError extends Error {
  constructor(
    readonly kind: ProviderFailureKind,
    message: string,
    readonly retryable: boolean,
    /** The HTTP status, for `http` failures; a Retry-After in ms when the provider sent one. */
    readonly details: { status?: number; retryAfterMs?: number } = {},
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}
