import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ClsServiceManager } from 'nestjs-cls';
import type { Logger } from 'pino';
import { contextOfRequest } from '../context/request-store.js';
import type { ContextState } from '../context/tenant-context.js';
import { requestTraceIds } from './tracing.js';

/** Query parameters whose values are credentials (signed export links, single-use tokens). */
const SECRET_PARAMS = /^(sig|signature|token|access_token|refresh_token|code|key|api_key|apikey|secret|password)$/i;

/** Probes are polled every few seconds by load balancers: logging them drowns everything else. */
const isProbe = (url: string): boolean => url === '/health' || url.startsWith('/health/') || url.startsWith('/health?');

/** The URL with the values of secret query parameters replaced; the path is kept as sent. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq === -1 ? pair : pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // A malformed name is logged as sent.
      }
      return eq !== -1 && SECRET_PARAMS.test(decoded) ? `${name}=[redacted]` : pair;
    })
    .join('&');
  return `${url.slice(0, q)}?${query}`;
}

interface LogStore {
  ctx?: ContextState;
  request?: FastifyRequest;
}

/** A request as log lines name it: its id, method and URL with credential parameters redacted. */
function requestFields(request: FastifyRequest): { id: string; method: string; url: string } {
  return { id: String(request.id), method: request.method, url: redactUrl(request.url) };
}

/** Who a context's lines are about: its tenant, user and API key, once the auth guard knows them. */
function principalFields(ctx: ContextState | undefined, fields: Record<string, unknown>): Record<string, unknown> {
  if (ctx?.tenantId) fields.tenantId = ctx.tenantId;
  if (ctx?.userId) fields.userId = ctx.userId;
  if (ctx?.apiKeyId) fields.apiKeyId = ctx.apiKeyId;
  return fields;
}

/**
 * The fields every line logged inside a context carries (pino's mixin): the request (id, method,
 * redacted URL) and its tenant, user and API key; a job's tenant and user. Read from the context
 * store when a line is written, so that a request that logs nothing costs nothing: no child logger
 * per request, as pino-http made, and none per field assigned.
 */
export function contextLogFields(): Record<string, unknown> {
  const store = ClsServiceManager.getClsService().get() as LogStore | undefined;
  if (!store) return {};
  return principalFields(store.ctx, store.request ? { req: requestFields(store.request) } : {});
}

/**
 * One log line per request, written when the answer is sent: matched routes, unknown paths (404)
 * and requests refused before routing alike, probes excepted. It names the request's tenant, user
 * and API key (from its context store, kept on the request: the hook runs after the context
 * ended) and its trace, and is written through the root logger (read when needed: nestjs-pino sets
 * it when the app initialises).
 */
export function installRequestLog(fastify: FastifyInstance, root: () => Logger): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    if (!isProbe(request.url)) {
      const status = reply.statusCode;
      const fields = principalFields(contextOfRequest(request.raw), requestTraceIds(request.raw));
      fields.req = requestFields(request);
      // Not `res`: pino's response serializer expects Node's response object.
      fields.statusCode = status;
      fields.responseTime = Math.round(reply.elapsedTime * 10) / 10;
      const log = root();
      // 503 is a transient state (database or queue away, draining), logged once per kind elsewhere.
      if (status >= 500 && status !== 503) log.error(fields, 'request completed');
      else if (status >= 400) log.warn(fields, 'request completed');
      else log.info(fields, 'request completed');
    }
    done();
  });
}
