import { SpanStatusCode } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import { contextOfRequest } from '../context/request-store.js';
import { keepRequestSpan, runInContext, startServerSpan, tracingEnabled } from './tracing.js';

/**
 * The request's SERVER span, when tracing is on (decided at start-up): a Fastify onRequest hook
 * that continues an incoming traceparent, runs the rest of the request inside the span (the
 * OpenTelemetry context, an AsyncLocalStorage of its own), and ends it with the status, the tenant
 * and the request id once the response is sent. Installed first, so the span covers the edge too.
 */
export function installRequestTracing(fastify: FastifyInstance): void {
  if (!tracingEnabled()) return;
  fastify.addHook('onRequest', (request, reply, done) => {
    const { span, ctx } = startServerSpan(request.method, request.url, request.headers);
    keepRequestSpan(request.raw, span);
    const res = reply.raw;
    res.once('close', () => {
      const state = contextOfRequest(request.raw);
      if (state?.tenantId) span.setAttribute('tenant.id', state.tenantId);
      if (state?.requestId) span.setAttribute('request.id', state.requestId);
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    runInContext(ctx, done);
  });
}
