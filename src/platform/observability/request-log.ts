import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from 'pino';

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

/** Fields for the log line of a request answered before its own logger was bound (EdgeAdmission). */
const assigned = new WeakMap<object, Record<string, unknown>>();

/** Adds `fields` to the request's log line, for a request answered before Nest's middleware ran. */
export function assignRequestLogFields(reply: FastifyReply, fields: Record<string, unknown>): void {
  assigned.set(reply.raw, fields);
}

interface WithLogs {
  log?: Logger;
  allLogs?: Logger[];
}

/**
 * One log line per request, written when the answer is sent: matched routes, unknown paths (404)
 * and requests refused before routing alike, probes excepted. It carries the fields bound to the
 * request's own logger (the tenant and user the auth guard assigned) and is written through the
 * root logger (read when needed: nestjs-pino sets it when the app initialises). (nestjs-pino's automatic logging is off: it missed unknown paths
 * and logged routes outside the global prefix twice.)
 */
export function installRequestLog(fastify: FastifyInstance, root: () => Logger): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    if (!isProbe(request.url)) {
      const raw = reply.raw as unknown as WithLogs;
      // What the request's own logger carries (the tenant and user once known), written through
      // the root logger.
      const own = raw.allLogs?.at(-1) ?? raw.log;
      // Unmatched routes never reach pino-http: `log` is then Fastify's own no-op logger.
      const bound = typeof own?.bindings === 'function' ? own.bindings() : (assigned.get(reply.raw) ?? {});
      const status = reply.statusCode;
      const log = root();
      const fields = {
        ...bound,
        req: { id: request.id, method: request.method, url: redactUrl(request.url) },
        // Not `res`: pino's response serializer expects Node's response object.
        statusCode: status,
        responseTime: Math.round(reply.elapsedTime * 10) / 10,
      };
      // 503 is a transient state (database or queue away, draining), logged once per kind elsewhere.
      if (status >= 500 && status !== 503) log.error(fields, 'request completed');
      else if (status >= 400) log.warn(fields, 'request completed');
      else log.info(fields, 'request completed');
    }
    done();
  });
}
