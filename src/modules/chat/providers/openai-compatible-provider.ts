import { z } from 'zod';
import type { OutboundFetch } from '../../../platform/outbound/outbound-http.js';
import { OutboundRefusedError } from '../../../platform/outbound/outbound-policy.js';
import type { ChatProvider, ChatRequest, Completion, StreamChunk, TokenUsage } from './chat-provider.js';
import { ProviderError } from './chat-provider.js';
import { SseParser } from './sse-parser.js';
import { estimatePromptTokens, estimateTokens } from './token-estimate.js';

export interface OpenAiCompatibleOptions {
  /** e.g. https://api.openai.com/v1, http://localhost:11434/v1 (Ollama), http://vllm:8000/v1. */
  baseUrl: string;
  apiKey?: string;
  /** Until the response starts, then between two chunks of a stream. */
  timeoutMs: number;
  /** Extra attempts on 5xx, 429 or network errors, only before any text was produced. */
  maxRetries: number;
  /** First backoff (doubled per attempt, plus jitter); a provider's Retry-After wins, capped. */
  retryBaseMs?: number;
  /** The SSRF-guarded client (OutboundHttp): the base URL is a tenant's, never called with plain fetch. */
  http: OutboundFetch;
}

const DEFAULT_RETRY_BASE_MS = 250;
const MAX_RETRY_WAIT_MS = 5_000;

const usageSchema = z.object({ prompt_tokens: z.number().int().nonnegative(), completion_tokens: z.number().int().nonnegative() });
const completionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable().optional() }) })).min(1),
  usage: usageSchema.nullish(),
});
const chunkSchema = z.object({
  choices: z
    .array(z.object({ delta: z.object({ content: z.string().nullish() }).nullish(), finish_reason: z.string().nullish() }))
    .optional()
    .default([]),
  usage: usageSchema.nullish(),
});
const errorBodySchema = z.object({ error: z.unknown() });

const toUsage = (u: z.infer<typeof usageSchema>): TokenUsage => ({ promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens });

/**
 * A chat-completions client for any OpenAI-compatible server (OpenAI, Ollama, vLLM, LiteLLM, ...),
 * over the SSRF-guarded OutboundHttp: POST {baseUrl}/chat/completions, JSON or server-sent events.
 *
 * Failures: a non-2xx status (a redirect included: never followed), a time-out, a broken
 * connection, an unreadable body or an address the guard refuses is a ProviderError. 5xx, 429 and network errors are retried with exponential backoff, but only while
 * nothing has been produced yet: once a delta left, a retry would repeat text the caller has
 * already shown. A time-out is not retried (the user has already waited that long).
 */
export class OpenAiCompatibleProvider implements ChatProvider {
  readonly mock = false;
  readonly answersInProcess = false;
  private readonly url: string;

  constructor(private readonly options: OpenAiCompatibleOptions) {
    this.url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  }

  async complete(request: ChatRequest): Promise<Completion> {
    for (let attempt = 0; ; attempt++) {
      const call = this.open(request);
      try {
        const response = await call.send(false);
        const body = await response.text();
        return parseCompletion(body, request);
      } catch (error) {
        await this.beforeRetry(call.failure(error), attempt, false, request.signal);
      } finally {
        call.done();
      }
    }
  }

  async *stream(request: ChatRequest): AsyncGenerator<StreamChunk> {
    let produced = false;
    for (let attempt = 0; ; attempt++) {
      const call = this.open(request);
      try {
        const response = await call.send(true);
        if (!(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
          // A server that ignores `stream: true` answers with one JSON completion.
          const completion = parseCompletion(await response.text(), request);
          produced = true;
          if (completion.text !== '') yield { type: 'delta', text: completion.text };
          yield { type: 'usage', usage: completion.usage };
          return;
        }
        let text = '';
        for await (const chunk of readStream(response, call)) {
          if (chunk.type === 'delta') {
            text += chunk.text;
            produced = true;
            yield chunk;
          } else {
            yield { type: 'usage', usage: chunk.usage ?? { promptTokens: estimatePromptTokens(request), completionTokens: estimateTokens(text) } };
          }
        }
        return;
      } catch (error) {
        await this.beforeRetry(call.failure(error), attempt, produced, request.signal);
      } finally {
        call.done();
      }
    }
  }

  /** Throws `failure` unless another attempt is allowed; then waits the backoff. */
  private async beforeRetry(failure: ProviderError, attempt: number, produced: boolean, signal?: AbortSignal): Promise<void> {
    if (!failure.retryable || produced || attempt >= this.options.maxRetries) throw failure;
    const base = this.options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS;
    const backoff = base * 2 ** attempt + Math.floor(Math.random() * base);
    await sleep(Math.min(failure.details.retryAfterMs ?? backoff, MAX_RETRY_WAIT_MS), signal);
  }

  private open(request: ChatRequest): Attempt {
    return new Attempt(this.url, this.options, request);
  }
}

/** One HTTP attempt: its abort controller, its inactivity timer, and how its failure reads. */
class Attempt {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private timedOut = false;
  private readonly onCallerAbort = (): void => this.controller.abort();

  constructor(
    private readonly url: string,
    private readonly options: OpenAiCompatibleOptions,
    private readonly request: ChatRequest,
  ) {
    request.signal?.addEventListener('abort', this.onCallerAbort, { once: true });
    if (request.signal?.aborted) this.controller.abort();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** (Re)starts the inactivity timer: the time-out counts from the last sign of life. */
  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, this.options.timeoutMs);
  }

  async send(stream: boolean): Promise<Response> {
    const { request } = this;
    const messages = [
      ...(request.systemPrompt ? [{ role: 'system', content: request.systemPrompt }] : []),
      ...request.history.map((turn) => ({ role: turn.role, content: turn.content })),
      { role: 'user', content: request.message },
    ];
    this.touch();
    const response = await this.options.http.fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: stream ? 'text/event-stream' : 'application/json',
        ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
      },
      body: JSON.stringify({
        model: request.model,
        messages,
        temperature: request.temperature,
        max_tokens: request.maxTokens,
        stream,
        ...(stream ? { stream_options: { include_usage: true } } : {}),
      }),
      signal: this.controller.signal,
    });
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      const status = response.status;
      const redirect = status >= 300 && status < 400 ? ' (a redirect, not followed)' : '';
      throw new ProviderError('http', `provider answered HTTP ${status}${redirect}`, status === 429 || status >= 500, {
        status,
        retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
      });
    }
    this.touch();
    return response;
  }

  /** What any error of this attempt means, as a ProviderError. */
  failure(error: unknown): ProviderError {
    if (error instanceof ProviderError) return error;
    if (error instanceof OutboundRefusedError) return new ProviderError('refused', `the base URL is not allowed: ${error.message}`, false);
    if (this.timedOut) return new ProviderError('timeout', `no answer within ${this.options.timeoutMs} ms`, false);
    if (this.request.signal?.aborted) return new ProviderError('aborted', 'the call was aborted', false);
    return new ProviderError('network', `connection failed (${networkCause(error)})`, true);
  }

  done(): void {
    clearTimeout(this.timer);
    this.request.signal?.removeEventListener('abort', this.onCallerAbort);
    if (!this.controller.signal.aborted) this.controller.abort();
  }
}

type RawChunk = { type: 'delta'; text: string } | { type: 'usage'; usage: TokenUsage | undefined };

/** The deltas of an SSE body, then one usage chunk (undefined when the server sent none). */
async function* readStream(response: Response, attempt: Attempt): AsyncGenerator<RawChunk> {
  if (!response.body) throw new ProviderError('protocol', 'the stream has no body', false);
  const parser = new SseParser();
  const decoder = new TextDecoder();
  let usage: TokenUsage | undefined;
  let finished = false;
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      attempt.touch();
      const events = done ? [...parser.push(decoder.decode()), ...parser.end()] : parser.push(decoder.decode(value, { stream: true }));
      for (const event of events) {
        if (event.data === '[DONE]') {
          yield { type: 'usage', usage };
          return;
        }
        const chunk = parseChunk(event.data, event.event);
        if (chunk.usage) usage = toUsage(chunk.usage);
        for (const choice of chunk.choices) {
          if (choice.delta?.content) yield { type: 'delta', text: choice.delta.content };
          if (choice.finish_reason) finished = true;
        }
      }
      if (done) break;
    }
  } finally {
    reader.releaseLock();
  }
  // No [DONE]: complete only if the model said it finished; otherwise the stream was cut.
  if (!finished) throw new ProviderError('protocol', 'the stream ended before the reply was complete', false);
  yield { type: 'usage', usage };
}

function parseChunk(data: string, event: string | undefined): z.infer<typeof chunkSchema> {
  const json = parseJson(data, 'a stream chunk');
  if (event === 'error' || errorBodySchema.safeParse(json).success) {
    throw new ProviderError('protocol', 'the provider reported an error in the stream', false);
  }
  const parsed = chunkSchema.safeParse(json);
  if (!parsed.success) throw new ProviderError('protocol', 'a stream chunk is not a chat completion chunk', false);
  return parsed.data;
}

function parseCompletion(body: string, request: ChatRequest): Completion {
  const parsed = completionSchema.safeParse(parseJson(body, 'the response'));
  if (!parsed.success) throw new ProviderError('protocol', 'the response is not a chat completion', false);
  const text = parsed.data.choices[0]!.message.content ?? '';
  const usage = parsed.data.usage ? toUsage(parsed.data.usage) : { promptTokens: estimatePromptTokens(request), completionTokens: estimateTokens(text) };
  return { text, usage };
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProviderError('protocol', `${what} is not valid JSON`, false);
  }
}

/** Retry-After in seconds or as an HTTP date, in ms; undefined when absent or unreadable. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** A socket error's code (ECONNREFUSED, ECONNRESET, ...), on the error or its `cause`. */
function networkCause(error: unknown): string {
  const own = (error as { code?: unknown } | null)?.code;
  if (typeof own === 'string') return own;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message.length < 100 ? message : 'network error';
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new ProviderError('aborted', 'the call was aborted', false));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new ProviderError('aborted', 'the call was aborted', false));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
