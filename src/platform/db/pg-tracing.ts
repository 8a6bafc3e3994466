import { SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import pg from 'pg';
import { contextAttributes } from '../observability/span-attributes.js';

let pgPatched = false;

type QueryCallback = (err: Error | null, result?: unknown) => void;

/**
 * A CLIENT span per statement of every pg client (Prisma's adapter and the raw pools alike), child
 * of the active span; statements outside any trace (pool housekeeping) or in a trace the sampler
 * dropped (OTEL_TRACES_SAMPLER) get none.
 */
export function patchPgForTracing(tracer: () => Tracer): void {
  if (pgPatched) return;
  pgPatched = true;
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function tracedQuery(this: unknown, config: unknown, values?: unknown, callback?: unknown): unknown {
    if (!trace.getActiveSpan()?.isRecording()) return original.call(this, config, values, callback);
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
