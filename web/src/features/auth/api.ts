/** Sign-in flows: each call stores the session it opens. */
import { call, client } from '../../api/client.ts';
import { session } from '../../api/session.ts';
import type { SessionTokens } from '../../api/views.ts';
import { rememberTenant } from './last-tenant.ts';

export async function login(body: { email: string; password: string; tenant?: string | undefined }): Promise<SessionTokens> {
  const tokens = await call(client.POST('/api/v1/auth/login', { body }));
  session.remember(tokens);
  return tokens;
}

export async function signup(body: { email: string; password: string; name: string; tenantName: string }): Promise<SessionTokens> {
  const tokens = await call(client.POST('/api/v1/auth/signup', { body }));
  session.remember(tokens);
  return tokens;
}

/** Moves the session to another tenant of the user; remembered as the one to preselect at the next sign-in. */
export async function switchTenant(tenantId: string): Promise<SessionTokens> {
  const tokens = await call(client.POST('/api/v1/auth/switch-tenant', { body: { tenantId } }));
  session.remember(tokens);
  if (tokens.tenant) rememberTenant(tokens.userId, tokens.tenant.id);
  return tokens;
}

/** A platform admin's way from a tenant to the platform console (a session in no tenant). */
export async function switchToPlatform(): Promise<SessionTokens> {
  const tokens = await call(client.POST('/api/v1/auth/switch-platform'));
  session.remember(tokens);
  return tokens;
}

export async function logout(): Promise<void> {
  try {
    await call(client.POST('/api/v1/auth/logout', { body: session.refreshBody() as { refreshToken: string } }));
  } finally {
    session.clear();
  }
}

export const requestPasswordReset = (email: string) => call(client.POST('/api/v1/auth/password-reset/request', { body: { email } }));

export const confirmPasswordReset = (token: string, password: string) => call(client.POST('/api/v1/auth/password-reset/confirm', { body: { token, password } }));

/**
 * An invited new user sends name and password; an existing one proves the account with its
 * password, or with the session it is signed in with (the client sends the access token).
 */
export const acceptInvitation = (body: { token: string; name?: string | undefined; password?: string | undefined }) =>
  // The document marks the authorization header required here; it is optional (the client adds it when signed in).
  call(client.POST('/api/v1/invitations/accept', { body } as { body: typeof body; params: { header: { authorization: string } } }));

export const getMe = () => call(client.GET('/api/v1/me'));

export const getPlans = () => call(client.GET('/api/v1/billing/plans'));
