import type { IncomingMessage, ServerResponse } from 'node:http';
import { SpanStatusCode } from '@opentelemetry/api';
import { contextOfRequest } from '../context/request-store.js';
import { keepRequestSpan, runInContext, startServerSpan } from './tracing.js';

/**
 * The request's SERVER span (mounted only when tracing is on): continues an incoming traceparent,
 * runs the rest of the request inside it (AsyncLocalStorage, as nestjs-cls does), and ends with
 * the status, the tenant and the request id once the response is sent.
 */
export function tracingMiddleware(req: IncomingMessage & { originalUrl?: string }, res: ServerResponse, next: () => void): void {
  // The middleware layer strips its mount path from req.url; originalUrl is the request's.
  const { span, ctx } = startServerSpan(req.method ?? 'GET', req.originalUrl ?? req.url ?? '/', req.headers);
  keepRequestSpan(req, span);
  res.once('close', () => {
    const state = contextOfRequest(req);
    if (state?.tenantId) span.setAttribute('tenant.id', state.tenantId);
    if (state?.requestId) span.setAttribute('request.id', state.requestId);
    span.setAttribute('http.response.status_code', res.statusCode);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  runInContext(ctx, next);
}
