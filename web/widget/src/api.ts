/**
 * The seed demo's widget API (POST /session, POST /chat) as the widget calls it: JSON in, JSON out,
 * errors as `{"detail": ...}`. Every failure becomes a WidgetApiError the panel can word kindly.
 */

export interface SessionStarted {
  session_id: string;
  tenant: { id: string; name: string; welcome: string };
}

export interface ChatReply {
  reply: string;
}

/** What went wrong, as the panel needs it: `network` covers a refused CORS call too (the browser hides it). */
export class WidgetApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    /** Seconds from Retry-After (429), else null. */
    readonly retryAfter: number | null = null,
  ) {
    super(detail);
  }

  get network(): boolean {
    return this.status === 0;
  }
}

/** Long enough for a slow model's reply; a request past it is abandoned as a network failure. */
const TIMEOUT_MS = 90_000;

async function post<T>(apiOrigin: string, path: string, body: object): Promise<T> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
  let response: Response;
  try {
    // credentials omitted: the widget API is cookieless, and a cookie-less call keeps CORS simple.
    response = await fetch(apiOrigin + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'omit',
      mode: 'cors',
      signal: abort.signal,
    });
  } catch {
    throw new WidgetApiError(0, 'network');
  } finally {
    clearTimeout(timer);
  }
  const data = (await response.json().catch(() => null)) as (T & { detail?: unknown }) | null;
  if (!response.ok || data === null) {
    const detail = typeof data?.detail === 'string' ? data.detail : '';
    const retry = Number(response.headers.get('retry-after'));
    throw new WidgetApiError(response.status || 500, detail, response.status === 429 && retry > 0 ? Math.ceil(retry) : null);
  }
  return data;
}

export const startSession = (apiOrigin: string, tenant: string) => post<SessionStarted>(apiOrigin, '/session', { tenant_id: tenant });

export const sendMessage = (apiOrigin: string, tenant: string, sessionId: string, message: string) =>
  post<ChatReply>(apiOrigin, '/chat', { tenant_id: tenant, session_id: sessionId, message });
