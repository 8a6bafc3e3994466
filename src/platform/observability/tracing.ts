import { type Attributes, type Context, context, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type Sampler, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { AppConfig } from '../config/config.js';
import { patchPgForTracing } from '../db/pg-tracing.js';
import { contextAttributes } from './span-attributes.js';
import { samplerOf } from './trace-sampler.js';

/**
 * OpenTelemetry tracing, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (docs/adr/0019-observability.md).
 * Instrumented explicitly, not by the auto-instrumentations: those need an ESM loader hook
 * (`--import` with import-in-the-middle) that does not run under Jest's VM modules, and the
 * explicit spans are few: the HTTP request (middleware), the controller handler (interceptor), the
 * unit of work, each pg query (a patch of pg.Client#query), each command of the application's
 * Redis client, the provider call, and BullMQ's own spans (its telemetry option, which carries the
 * enqueuing request's context in the job). Off, none of this is installed: zero cost.
 */
let provider: NodeTracerProvider | undefined;
/** The tracer, looked up once per provider (the API's getTracer builds a cache key on every call). */
let cachedTracer: Tracer | undefined;

export interface TracingOptions {
  serviceName: string;
  /** Tests and benchmarks: an exporter of their own, spans exported synchronously unless `batch`. */
  exporter?: SpanExporter;
  batch?: boolean;
  /** The OTLP/HTTP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT); the exporter reads the variable itself too. */
  endpoint?: string;
  /** Which traces are kept (OTEL_TRACES_SAMPLER, trace-sampler.ts); default: every one. */
  sampler?: Sampler;
}

export function tracingEnabled(): boolean {
  return provider !== undefined;
}

/** Starts tracing for this process (idempotent). main.ts and worker.ts call it before the app is built. */
export function startTracing(options: TracingOptions): void {
  if (provider) return;
  const processor = options.exporter
    ? options.batch
      ? new BatchSpanProcessor(options.exporter)
      : new SimpleSpanProcessor(options.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter(options.endpoint ? { url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces` } : {}));
  // The batch processor's sizes and delay come from the standard OTEL_BSP_* variables (the SDK
  // reads them); its defaults (queue 2048, batches of 512 every 5 s) suit the API.
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    sampler: options.sampler ?? samplerOf(undefined, undefined),
    spanProcessors: [processor],
  });
  cachedTracer = undefined;
  provider.register(); // AsyncLocalStorage context manager and W3C trace-context propagator
  patchPgForTracing(tracer); // a no-op per statement while no span is active, or once tracing is stopped
}

/** Starts tracing when OTEL_EXPORTER_OTLP_ENDPOINT is set, sampled as OTEL_TRACES_SAMPLER says; otherwise does nothing. */
export function startTracingFromConfig(config: AppConfig, serviceName: string): void {
  const { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG } = config.env;
  if (!endpoint) return;
  startTracing({ serviceName: process.env.OTEL_SERVICE_NAME || serviceName, endpoint, sampler: samplerOf(OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG) });
}

export async function stopTracing(): Promise<void> {
  const current = provider;
  provider = undefined;
  cachedTracer = undefined;
  if (!current) return;
  await current.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
}

export const tracer = (): Tracer => (cachedTracer ??= trace.getTracer('tenantry'));

export { contextAttributes };

/** Runs `fn` in a child span of the active one (no span when tracing is off, or outside any trace). */
export function inSpan<T>(name: string, attributes: Attributes, fn: (span?: Span) => Promise<T>, kind = SpanKind.INTERNAL): Promise<T> {
  if (!provider) return fn();
  return tracer().startActiveSpan(name, { kind, attributes: { ...contextAttributes(), ...attributes } }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The server span of an HTTP request: started from the incoming traceparent, if any. */
export function startServerSpan(method: string, url: string, headers: Record<string, unknown>): { span: Span; ctx: Context } {
  // Without a traceparent there is nothing to continue: the propagators' parsing is skipped
  // (a tenth of the tracing's CPU per request in the profile; baggage alone is not used here).
  const parent = headers.traceparent === undefined ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, headers);
  const span = tracer().startSpan(`${method}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': url.split('?')[0] } }, parent);
  return { span, ctx: trace.setSpan(parent, span) };
}

export function runInContext<T>(ctx: Context, fn: () => T): T {
  return context.with(ctx, fn);
}

const REQUEST_SPAN = Symbol.for('tenantry.requestSpan');

/** Keeps the request's server span on the raw request, for the request log line written after it ended. */
export function keepRequestSpan(req: object, span: Span): void {
  (req as Record<symbol, Span>)[REQUEST_SPAN] = span;
}

/** The trace and span ids of a request's server span, for its log line ({} without tracing). */
export function requestTraceIds(req: object): { trace_id?: string; span_id?: string } {
  const span = (req as Record<symbol, Span | undefined>)[REQUEST_SPAN];
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

/** The active trace and span ids, for log lines (undefined when tracing is off or no span is active). */
export function activeTraceIds(): { trace_id: string; span_id: string } | undefined {
  if (!provider) return undefined;
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
