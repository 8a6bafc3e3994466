import helmet from 'helmet';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/config.js';

/** Swagger UI's page runs an inline script and inline styles: it gets its own, looser policy. */
export const DOCS_PREFIX = '/api/docs';

/**
 * The web app's policy: scripts, styles, fonts and API calls from this origin only (Vite's
 * production build has no inline script), no plugins, no framing, no <base> or form tricks.
 */
export function contentSecurityPolicy(config: AppConfig): Record<string, string[] | null> {
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
    'script-src-attr': ["'none'"],
    // Plain http on 127.0.0.1 in development: upgrading would break every request.
    'upgrade-insecure-requests': config.isProduction ? [] : null,
  };
}

const DOCS_POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'", "'unsafe-inline'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'https:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'frame-ancestors': ["'none'"],
  'upgrade-insecure-requests': null,
};

/**
 * Security headers on every answer (helmet): the strict CSP above, X-Frame-Options DENY,
 * Referrer-Policy strict-origin-when-cross-origin, nosniff, HSTS and helmet's other defaults.
 * Routes under /api/docs (registered later by Swagger) get DOCS_POLICY instead (docs/adr/0016).
 *
 * Helmet's headers depend on its options only, never on the request: each policy's are taken from
 * it once and set from one synchronous hook (@fastify/helmet rebuilt the middleware, parsing every
 * CSP directive, in two hooks per request: 25 to 40 µs; helmet's own middleware chain was still
 * 2 to 4 % of a refused request, docs/adr/0018). Set on the raw response, as helmet sets them, so
 * that a hijacked answer (the event stream) carries them too. Installed before Nest creates the
 * application: answers given before it (EdgeAdmission) carry the headers too.
 */
export function useSecurityHeaders(fastify: FastifyInstance, config: AppConfig): void {
  const shared = { frameguard: { action: 'deny' as const }, referrerPolicy: { policy: 'strict-origin-when-cross-origin' as const } };
  const appHeaders = headersOf(helmet({ ...shared, contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy(config) } }));
  const docsHeaders = headersOf(helmet({ ...shared, contentSecurityPolicy: { useDefaults: false, directives: DOCS_POLICY } }));
  fastify.addHook('onRequest', (request, reply, done) => {
    const url = request.routeOptions.url ?? '';
    const headers = url === DOCS_PREFIX || url.startsWith(`${DOCS_PREFIX}/`) ? docsHeaders : appHeaders;
    const res = reply.raw;
    for (const [name, value] of headers) res.setHeader(name, value);
    done();
  });
}

/** The headers a helmet middleware sets (it removes X-Powered-By too, which nothing here sets). */
function headersOf(middleware: ReturnType<typeof helmet>): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  const recorder = { setHeader: (name: string, value: string) => void headers.push([name, value]), removeHeader: () => undefined };
  middleware({ headers: {} } as never, recorder as never, () => undefined);
  if (headers.length === 0) throw new Error('helmet set no header: its middleware no longer answers synchronously');
  return headers;
}

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
  fastify.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-content-type-options', 'nosniff');
    const anonymousRead = (request.method === 'GET' || request.method === 'HEAD') && !carriesCredentials(request);
    if (!anonymousRead && !reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    done(null, payload);
  });
}
