import type { FastifyInstance, FastifyRequest } from 'fastify';

/** A request that carries credentials: an access token or an API key. */
function carriesCredentials(request: FastifyRequest): boolean {
  return request.headers.authorization !== undefined || request.headers['x-api-key'] !== undefined;
}

/**
 * Two headers on the API's answers (docs/adr/0013-input-at-the-boundary.md), without a helmet:
 * - `X-Content-Type-Options: nosniff` on every answer, so that no browser reads a JSON or error
 *   body as HTML or script;
 * - `Cache-Control: no-store` on every answer to a request with credentials and on every answer
 *   to a write (sign-in and refresh answers carry tokens without a credential header), unless the
 *   route set its own. Only anonymous reads (probes, plans, the API docs) may be cached.
 */
export function installSecurityHeaders(fastify: FastifyInstance): void {
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('x-content-type-options', 'nosniff');
    const anonymousRead = (request.method === 'GET' || request.method === 'HEAD') && !carriesCredentials(request);
    if (!anonymousRead && !reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
  });
}
