/**
 * What a database error means for the caller: the database is unreachable or the connection broke
 * (`unavailable`), or it answered but ran out of time (`timeout`). Both are transient: the HTTP
 * layer answers 503 with Retry-After, not 500. Anything else is undefined here.
 *
 * Errors reach us raw from pg, wrapped in Prisma's DriverAdapterError (kind + cause), or as Prisma
 * client errors (P-codes, cause/meta): the classifier looks through those layers.
 */
export type DatabaseFault = 'unavailable' | 'timeout';

/** SQLSTATEs of a connection that is gone or not yet usable: class 08, admin/crash shutdown, start-up, too many connections. */
const UNAVAILABLE_SQLSTATES = /^(08...|57P0[1-4]|53300)$/;
/** statement_timeout / query_canceled, lock_not_available (lock_timeout). */
const TIMEOUT_SQLSTATES = new Set(['57014', '55P03']);
/** Prisma: can't reach (P1001), connect timeout (P1002), socket timeout (P1008), closed (P1017), too many connections (P2037). */
const UNAVAILABLE_PRISMA = new Set(['P1001', 'P1002', 'P1017', 'P2037']);
const TIMEOUT_PRISMA = new Set(['P1008', 'P2024', 'P2028']);
const UNAVAILABLE_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'TooManyConnections', 'TlsConnectionError']);
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES =
  /Connection terminated|not queryable|timeout exceeded when trying to connect|Can't reach database server|Server has closed the connection|Client was closed|Connection ended|connection is closed/i;

interface Layer {
  code?: unknown;
  originalCode?: unknown;
  kind?: unknown;
  message?: unknown;
  severity?: unknown;
  cause?: unknown;
  meta?: { code?: unknown; driverAdapterError?: unknown } | null;
}

/** The error and the errors it wraps (cause chains, Prisma's meta), at most a few levels deep. */
function layersOf(error: unknown): Layer[] {
  const layers: Layer[] = [];
  const pending: unknown[] = [error];
  while (pending.length > 0 && layers.length < 8) {
    const next = pending.shift();
    if (next === null || typeof next !== 'object' || layers.includes(next)) continue;
    const layer = next as Layer;
    layers.push(layer);
    pending.push(layer.cause, layer.meta?.driverAdapterError);
    if (layer.meta?.code !== undefined) pending.push({ code: layer.meta.code });
  }
  return layers;
}

export function databaseFaultOf(error: unknown): DatabaseFault | undefined {
  let fault: DatabaseFault | undefined;
  for (const layer of layersOf(error)) {
    for (const raw of [layer.code, layer.originalCode]) {
      if (typeof raw !== 'string') continue;
      if (TIMEOUT_SQLSTATES.has(raw) || TIMEOUT_PRISMA.has(raw)) return 'timeout';
      if (UNAVAILABLE_SQLSTATES.test(raw) || UNAVAILABLE_PRISMA.has(raw) || SOCKET_CODES.has(raw)) fault = 'unavailable';
    }
    if (typeof layer.kind === 'string' && UNAVAILABLE_KINDS.has(layer.kind)) fault ??= 'unavailable';
    if (layer.kind === 'SocketTimeout') return 'timeout';
    if (typeof layer.message === 'string' && UNAVAILABLE_MESSAGES.test(layer.message)) fault ??= 'unavailable';
  }
  return fault;
}

/**
 * Whether a pg error means the connection itself is broken (never reuse it): a FATAL/PANIC from
 * the server, a connection-class SQLSTATE, or an error without a SQLSTATE (I/O, protocol).
 * Statement errors (constraint violations, timeouts, syntax) leave the connection usable.
 */
export function isConnectionLevelError(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return true;
  const { code, severity } = error as Layer;
  // Only an answer from the server carries a severity; without one it is I/O or protocol trouble.
  if (typeof severity !== 'string' || severity === 'FATAL' || severity === 'PANIC') return true;
  return typeof code !== 'string' || UNAVAILABLE_SQLSTATES.test(code);
}
