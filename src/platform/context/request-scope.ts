import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CLS_ID, ClsServiceManager, type ClsStore } from 'nestjs-cls';
import { keepContextStore } from './request-store.js';
import type { ContextState } from './tenant-context.js';

/** What a request's context store holds: its id, its state, and what its log lines name. */
export interface RequestStore extends ClsStore {
  ctx?: ContextState;
  /** The request, which log lines written inside it name (`contextLogFields`, when one is written). */
  request?: FastifyRequest;
}

/**
 * Opens every HTTP request's context (the AsyncLocalStorage store TenantContext reads) in one
 * synchronous Fastify onRequest hook: the rest of the request (body parsing, Nest's guards,
 * interceptors and handler) runs inside it, and Fastify carries it across the body's parsing.
 *
 * nestjs-cls's own middleware did the same through Nest's middleware layer (middie): an async
 * function with four awaits and a dynamic import() per request, about a tenth of an authenticated
 * read's CPU (docs/adr/0018, decision 24). Installed after the edge admission, whose refusals need
 * no context at all.
 */
export function installRequestScope(fastify: FastifyInstance): void {
  const cls = ClsServiceManager.getClsService<RequestStore>();
  fastify.addHook('onRequest', (request, _reply, done) => {
    const id = String(request.id);
    const agent = request.headers['user-agent'];
    const store: RequestStore = {
      [CLS_ID]: id,
      ctx: {
        roles: [],
        permissions: [],
        requestId: id,
        ip: request.ip,
        userAgent: typeof agent === 'string' ? agent.slice(0, 512) : undefined,
      },
      request,
    };
    // The HTTP metrics' and the request log's onResponse hooks run after the context ended.
    keepContextStore(request.raw, store);
    cls.runWith(store, done);
  });
}
