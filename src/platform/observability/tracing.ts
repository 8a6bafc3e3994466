import { type Attributes, type Context, context, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ClsServiceManager } from 'nestjs-cls';
import pg from 'pg';

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
let pgPatched = false;

export interface TracingOptions {
  serviceName: string;
  /** Tests: an in-memory exporter, spans exported synchronously. */
  exporter?: SpanExporter;
  /** The OTLP/HTTP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT); the exporter reads the variable itself too. */
  endpoint?: string;
}

export function tracingEnabled(): boolean {
  return provider !== undefined;
}

/** Starts tracing for this process (idempotent). main.ts and worker.ts call it before the app is built. */
export function startTracing(options: TracingOptions): void {
  if (provider) return;
  const processor = options.exporter
    ? new SimpleSpanProcessor(options.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter(options.endpoint ? { url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces` } : {}));
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [processor],
  });
  provider.register(); // AsyncLocalStorage context manager and W3C trace-context propagator
  patchPg();
}

/** Starts tracing when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise does nothing. */
export function startTracingFromEnv(serviceName: string, env: NodeJS.ProcessEnv = process.env): void {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (endpoint) startTracing({ serviceName: env.OTEL_SERVICE_NAME || serviceName, endpoint });
}

export async function stopTracing(): Promise<void> {
  const current = provider;
  provider = undefined;
  if (!current) return;
  await current.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
}

export const tracer = () => trace.getTracer('tenantry');

/** The tenant and request of the current context (nestjs-cls store), as span attributes. */
export function contextAttributes(): Attributes {
  const cls = ClsServiceManager.getClsService();
  const state = cls.isActive() ? (cls.get('ctx') as { tenantId?: string; requestId?: string } | undefined) : undefined;
  const attributes: Attributes = {};
  if (state?.tenantId) attributes['tenant.id'] = state.tenantId;
  if (state?.requestId) attributes['request.id'] = state.requestId;
  return attributes;
}

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
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const span = tracer().startSpan(`${method}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': url.split('?')[0] } }, parent);
  return { span, ctx: trace.setSpan(parent, span) };
}

export function runInContext<T>(ctx: Context, fn: () => T): T {
  return context.with(ctx, fn);
}

/** The active trace and span ids, for log lines (undefined when tracing is off or no span is active). */
export function activeTraceIds(): { trace_id: string; span_id: string } | undefined {
  if (!provider) return undefined;
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

type QueryCallback = (err: Error | null, result?: unknown) => void;

/**
 * A CLIENT span per statement of every pg client (Prisma's adapter and the raw pools alike), child
 * of the active span; statements outside any trace (pool housekeeping) get none.
 */
function patchPg(): void {
  if (pgPatched) return;
  pgPatched = true;
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function tracedQuery(this: unknown, config: unknown, values?: unknown, callback?: unknown): unknown {
    if (!provider || !trace.getActiveSpan()) return original.call(this, config, values, callback);
    const text = typeof config === 'string' ? config : (config as { text?: unknown } | null)?.text;
    const span = tracer().startSpan('pg.query', {
      kind: SpanKind.CLIENT,
      attributes: { ...contextAttributes(), 'db.system.name': 'postgresql', 'db.query.text': typeof text === 'string' ? text.slice(0, 1000) : '' },
    });
    const finish = (err: Error | null | undefined): void => {
      if (err) span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
      span.end();
    };
    const submittable = config as { submit?: unknown; callback?: QueryCallback } | null;
    if (submittable && typeof submittable.submit === 'function' && typeof submittable.callback === 'function') {
      const inner = submittable.callback;
      submittable.callback = (err, result) => {
        finish(err);
        inner(err, result);
      };
      return original.call(this, config, values, callback);
    }
    if (typeof values === 'function' || typeof callback === 'function') {
      const cbIsValues = typeof values === 'function';
      const inner = (cbIsValues ? values : callback) as QueryCallback;
      const wrapped: QueryCallback = (err, result) => {
        finish(err);
        inner(err, result);
      };
      return cbIsValues ? original.call(this, config, wrapped) : original.call(this, config, values, wrapped);
    }
    const result = original.call(this, config, values, callback);
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<unknown>).then(() => finish(undefined), (err: Error) => finish(err));
    } else {
      finish(undefined);
    }
    return result;
  };
}
