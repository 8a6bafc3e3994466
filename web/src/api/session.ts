/**
 * The browser session: the access token lives in memory only (never in storage), and so does the
 * refresh token when the API hands it over in the body. Once the API keeps the refresh token in an
 * httpOnly cookie (`tenantry_refresh`, path /api/v1/auth), the body carries none and the cookie
 * does the work, so a reload stays signed in. `refreshBody` and `remember` are the one place that
 * decides between the two.
 */
import type { SessionTenant, SessionTokens } from './views.ts';

/** The header that a cross-site form cannot send; the API requires it for cookie-borne refresh and logout. */
export const CSRF_HEADER = { 'X-Requested-With': 'tenantry' } as const;

/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 60_000;

export interface SessionState {
  accessToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  tenant: SessionTenant | null;
  platformAdmin: boolean;
}

type Listener = (state: SessionState | null) => void;

let state: SessionState | null = null;
let refreshToken: string | null = null;
const listeners = new Set<Listener>();

export const session = {
  get current(): SessionState | null {
    return state;
  },

  /** A valid access token that does not expire within the margin. */
  get fresh(): boolean {
    return state !== null && state.expiresAt - Date.now() > REFRESH_MARGIN_MS;
  },

  /** Stores what sign-in, sign-up, refresh or switch-tenant answered. */
  remember(tokens: SessionTokens, now = Date.now()): void {
    // Cookie mode: the API sent no token in the body; memory mode: keep the newest one (rotated on every use).
    refreshToken = tokens.refreshToken ?? null;
    state = {
      accessToken: tokens.accessToken,
      expiresAt: now + tokens.expiresIn * 1000,
      tenant: tokens.tenant ?? null,
      platformAdmin: 'platformAdmin' in tokens && tokens.platformAdmin === true,
    };
    emit();
  },

  /** The body of POST /auth/refresh and /auth/logout: the token in memory, or none (the cookie). */
  refreshBody(): { refreshToken: string } | Record<string, never> {
    return refreshToken ? { refreshToken } : {};
  },

  /** True when a refresh can be attempted at all (a token in memory, or maybe a cookie). */
  get mayRefresh(): boolean {
    return true;
  },

  clear(): void {
    state = null;
    refreshToken = null;
    emit();
  },

  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },

  /** Milliseconds until a silent refresh is due (0: now). */
  refreshDueIn(now = Date.now()): number {
    return state ? Math.max(0, state.expiresAt - now - REFRESH_MARGIN_MS) : 0;
  },
};

function emit(): void {
  for (const listener of listeners) listener(state);
}
