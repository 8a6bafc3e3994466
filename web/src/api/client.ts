/**
 * The one API client: openapi-fetch over the generated `paths` (schema.d.ts). Its fetch adds the access token, refreshes it silently before it expires
 * (one refresh at a time), retries once after a 401, and reports a session that cannot be renewed
 * (the app then sends the user to sign in, with a return-to). Components never call fetch: they use
 * the hooks of their feature, which call `call()` here.
 */
import createClient from 'openapi-fetch';
import { ApiError, networkError, toProblem } from './problem.ts';
import type { paths } from './schema';
import { CSRF_HEADER, session } from './session.ts';
import type { SessionTokens } from './views.ts';

/** Routes that carry no access token, and whose 401 means "wrong credentials", not "session over". */
const SESSIONLESS = /\/api\/v1\/(auth\/(signup|login|refresh|logout|password-reset\/)|billing\/plans)/;

/** Same origin as the page (absolute, so that requests build everywhere, tests included). */
const ORIGIN = typeof location === 'undefined' ? '' : location.origin;

let onSessionLost: () => void = () => undefined;

/** The app registers what happens when the session cannot be renewed (router: go to sign-in). */
export function setSessionLostHandler(handler: () => void): void {
  onSessionLost = handler;
}

let refreshing: Promise<boolean> | null = null;

/**
 * Renews the access token (single flight). True when the session continues. With no token in memory
 * it tries the httpOnly cookie (the API answers 400/401 when there is none).
 */
export function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    try {
      const response = await fetch(`${ORIGIN}/api/v1/auth/refresh`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', ...CSRF_HEADER },
        body: JSON.stringify(session.refreshBody()),
      });
      if (!response.ok) return false;
      session.remember((await response.json()) as SessionTokens);
      return true;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

let refreshTimer: ReturnType<typeof setTimeout> | undefined;

/** Silent refresh a minute before expiry, rescheduled whenever the session changes. */
session.subscribe((state) => {
  clearTimeout(refreshTimer);
  if (!state) return;
  refreshTimer = setTimeout(() => {
    void refreshSession().then((ok) => {
      if (!ok && session.current) lose();
    });
  }, session.refreshDueIn());
});

function lose(): void {
  session.clear();
  onSessionLost();
}

function withToken(request: Request): Request {
  const token = session.current?.accessToken;
  if (token) request.headers.set('authorization', `Bearer ${token}`);
  return request;
}

/** fetch for openapi-fetch: token, silent refresh, one retry after a 401. */
export async function sessionFetch(input: Request): Promise<Response> {
  const sessionless = SESSIONLESS.test(new URL(input.url, location.href).pathname);
  if (!sessionless && session.current && !session.fresh) await refreshSession();
  // Keep a copy: a request's body can be read only once, and a 401 is retried.
  const retry = sessionless ? undefined : input.clone();
  let response: Response;
  try {
    response = await fetch(sessionless ? input : withToken(input));
  } catch (error) {
    throw networkError(error);
  }
  // A 401 without a session (a wrong password on a public form) is the form's business.
  if (response.status !== 401 || !retry || !session.current) return response;
  if (await refreshSession()) {
    response = await fetch(withToken(retry));
    if (response.status !== 401) return response;
  }
  lose();
  return response;
}

export const client = createClient<paths>({
  baseUrl: ORIGIN,
  credentials: 'same-origin',
  headers: CSRF_HEADER,
  fetch: sessionFetch,
});

/** Awaits an openapi-fetch call: its data (typed by the path's documented response), or an ApiError from the problem document. */
export async function call<R extends { data?: unknown; error?: unknown; response: Response }>(pending: Promise<R>): Promise<NonNullable<R['data']>> {
  const { data, error, response } = await pending;
  if (!response.ok) throw new ApiError(toProblem(response.status, error, response.headers.get('x-request-id')));
  return data as NonNullable<R['data']>;
}
