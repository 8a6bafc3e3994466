import type { ContextState } from './tenant-context.js';

/**
 * The request's context store, kept on the raw request by the request scope (request-scope.ts)
 * so that code running after the request's async context ended (the HTTP metrics' and the request
 * log's onResponse hooks, the request span's `close` listener) still learns its tenant and API key.
 */
const CONTEXT_STORE = Symbol.for('tenantry.contextStore');

export function keepContextStore(req: object, store: unknown): void {
  (req as Record<symbol, unknown>)[CONTEXT_STORE] = store;
}

export function contextOfRequest(req: object): ContextState | undefined {
  return ((req as Record<symbol, { ctx?: ContextState } | undefined>)[CONTEXT_STORE])?.ctx;
}
