import { metrics } from '../../../platform/observability/metrics.js';
import { inSpan } from '../../../platform/observability/tracing.js';
import { type ChatProvider, type ChatRequest, type Completion, ProviderError, type StreamChunk, type TokenUsage } from './chat-provider.js';

const kindOf = (error: unknown): string => (error instanceof ProviderError ? error.kind : 'unknown');

function recordUsage(model: string, usage: TokenUsage): void {
  metrics.providerTokens.inc({ model, direction: 'in' }, usage.promptTokens);
  metrics.providerTokens.inc({ model, direction: 'out' }, usage.completionTokens);
}

/**
 * A provider with its metrics (latency, time to first token, tokens in and out, failures by model
 * and kind) and, when tracing is on, a `chat.provider` span. Model names label the metrics: they
 * come from the tenants' assistant settings, a short list in practice.
 */
export function observedProvider(inner: ChatProvider): ChatProvider {
  return {
    mock: inner.mock,
    answersInProcess: inner.answersInProcess,
    complete: (request: ChatRequest): Promise<Completion> =>
      inSpan('chat.provider complete', { 'gen_ai.request.model': request.model }, async () => {
        const end = metrics.providerDuration.startTimer({ model: request.model });
        try {
          const completion = await inner.complete(request);
          end({ outcome: 'ok' });
          recordUsage(request.model, completion.usage);
          return completion;
        } catch (error) {
          end({ outcome: 'error' });
          metrics.providerFailures.inc({ model: request.model, kind: kindOf(error) });
          throw error;
        }
      }),
    stream: (request: ChatRequest): AsyncIterable<StreamChunk> => observedStream(inner, request),
  };
}

async function* observedStream(inner: ChatProvider, request: ChatRequest): AsyncIterable<StreamChunk> {
  const model = request.model;
  const started = performance.now();
  let first = true;
  try {
    for await (const chunk of inner.stream(request)) {
      if (first && chunk.type === 'delta') {
        first = false;
        metrics.providerFirstToken.observe({ model }, (performance.now() - started) / 1000);
      }
      if (chunk.type === 'usage') recordUsage(model, chunk.usage);
      yield chunk;
    }
    metrics.providerDuration.observe({ model, outcome: 'ok' }, (performance.now() - started) / 1000);
  } catch (error) {
    metrics.providerDuration.observe({ model, outcome: 'error' }, (performance.now() - started) / 1000);
    metrics.providerFailures.inc({ model, kind: kindOf(error) });
    throw error;
  }
}
