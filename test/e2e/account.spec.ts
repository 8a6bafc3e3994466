import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SessionTokens } from '../../src/modules/auth/sessions/sessions.service.js';
import { bearer, createTestApp, DEFAULT_PASSWORD, expectProblem, FACTORY_SESSION_IP, type TestApp, type TestUser } from '../support/http-app.js';

/**
 * The signed-in user's account: open sessions (list, revoke; revoking the current one signs this
 * client out), display name, password change (every other session signed out).
 */

let t: TestApp;
let ipCounter = 0;
const nextIp = (): string => `10.7.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.close();
});

interface Session {
  id: string;
  activeTenantId: string | null;
  ip: string | null;
  userAgent: string | null;
  createdAt: string;
  lastUsedAt: string;
  current: boolean;
}

async function signIn(user: TestUser, userAgent: string, password = DEFAULT_PASSWORD): Promise<SessionTokens> {
  const res = await t.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password }, headers: { 'user-agent': userAgent }, remoteAddress: nextIp() });
  expect(res.statusCode).toBe(200);
  return res.json<SessionTokens>();
}

async function memberWithTwoSessions(): Promise<{ user: TestUser; tenantId: string; laptop: SessionTokens; phone: SessionTokens }> {
  const user = await t.makeUser();
  const tenant = await t.makeTenant();
  await t.makeMember(tenant.id, 'member', user);
  const laptop = await signIn(user, 'Laptop/1.0');
  const phone = await signIn(user, 'Phone/2.0');
  return { user, tenantId: tenant.id, laptop, phone };
}

const sessionsOf = async (tokens: SessionTokens): Promise<Session[]> => {
  const res = await t.inject({ method: 'GET', url: '/api/v1/me/sessions', headers: bearer(tokens.accessToken) });
  expect(res.statusCode).toBe(200);
  // The factories open a session for every member they make; these tests count sign-ins only.
  return res.json<Session[]>().filter((s) => s.ip !== FACTORY_SESSION_IP);
};
const refresh = (tokens: SessionTokens) => t.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: tokens.refreshToken } });

describe('GET /api/v1/me/sessions', () => {
  it("lists the user's open sessions with device, address and times, marking the current one", async () => {
    const { tenantId, laptop, phone } = await memberWithTwoSessions();
    const sessions = await sessionsOf(laptop);
    expect(sessions).toHaveLength(2);
    expect(sessions.find((s) => s.current)).toMatchObject({ userAgent: 'Laptop/1.0', activeTenantId: tenantId, ip: expect.stringMatching(/^10\.7\./) });
    expect(sessions.find((s) => !s.current)).toMatchObject({ userAgent: 'Phone/2.0' });
    // A refresh keeps the session (same id), with a later last use and the same start.
    const before = sessions.find((s) => !s.current)!;
    const refreshed = await refresh(phone);
    expect(refreshed.statusCode).toBe(200);
    const after = (await sessionsOf(laptop)).find((s) => s.id === before.id)!;
    expect(after.createdAt).toBe(before.createdAt);
    expect(Date.parse(after.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(before.lastUsedAt));
    expect(await sessionsOf(laptop)).toHaveLength(2);
  });

  it('shows no other user’s sessions, and refuses API keys', async () => {
    const { laptop } = await memberWithTwoSessions();
    const other = await memberWithTwoSessions();
    const ids = (await sessionsOf(laptop)).map((s) => s.id);
    expect((await sessionsOf(other.laptop)).some((s) => ids.includes(s.id))).toBe(false);
  });
});

describe('DELETE /api/v1/me/sessions/:id', () => {
  it('revokes another session: its refresh and access tokens stop working; this one goes on', async () => {
    const { laptop, phone } = await memberWithTwoSessions();
    const phoneSession = (await sessionsOf(laptop)).find((s) => !s.current)!;
    expect((await t.inject({ method: 'DELETE', url: `/api/v1/me/sessions/${phoneSession.id}`, headers: bearer(laptop.accessToken) })).statusCode).toBe(204);
    expectProblem(await refresh(phone), 401, 'invalid_refresh_token');
    expect((await t.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(phone.accessToken) })).statusCode).toBe(401);
    expect((await sessionsOf(laptop)).map((s) => s.current)).toEqual([true]);
  });

  it('revoking the current session signs this client out', async () => {
    const { laptop } = await memberWithTwoSessions();
    const current = (await sessionsOf(laptop)).find((s) => s.current)!;
    expect((await t.inject({ method: 'DELETE', url: `/api/v1/me/sessions/${current.id}`, headers: bearer(laptop.accessToken) })).statusCode).toBe(204);
    expect((await t.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(laptop.accessToken) })).statusCode).toBe(401);
    expectProblem(await refresh(laptop), 401, 'invalid_refresh_token');
  });

  it("answers 404 for an unknown session or another user's", async () => {
    const { laptop } = await memberWithTwoSessions();
    const other = await memberWithTwoSessions();
    const theirs = (await sessionsOf(other.laptop))[0]!.id;
    expectProblem(await t.inject({ method: 'DELETE', url: `/api/v1/me/sessions/${theirs}`, headers: bearer(laptop.accessToken) }), 404, 'session_not_found');
    expect((await refresh(other.laptop)).statusCode).toBe(200);
  });
});

describe('PATCH /api/v1/me', () => {
  it('changes the display name', async () => {
    const { laptop } = await memberWithTwoSessions();
    const res = await t.inject({ method: 'PATCH', url: '/api/v1/me', headers: bearer(laptop.accessToken), payload: { name: '  Ada L.  ' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name: 'Ada L.' });
    expect((await t.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(laptop.accessToken) })).json()).toMatchObject({ user: { name: 'Ada L.' } });
    expectProblem(await t.inject({ method: 'PATCH', url: '/api/v1/me', headers: bearer(laptop.accessToken), payload: { name: '' } }), 400, 'validation_failed');
    expectProblem(await t.inject({ method: 'PATCH', url: '/api/v1/me', headers: bearer(laptop.accessToken), payload: { email: 'x@example.test' } }), 400, 'validation_failed');
  });
});

describe('POST /api/v1/me/password', () => {
  const NEW_PASSWORD = 'a brand new passphrase 42';

  it('changes the password with the current one, and signs out every other session', async () => {
    const { user, laptop, phone } = await memberWithTwoSessions();
    const res = await t.inject({ method: 'POST', url: '/api/v1/me/password', headers: bearer(laptop.accessToken), payload: { currentPassword: DEFAULT_PASSWORD, newPassword: NEW_PASSWORD } });
    expect(res.statusCode).toBe(204);
    expectProblem(await refresh(phone), 401, 'invalid_refresh_token');
    expect((await refresh(laptop)).statusCode).toBe(200);
    await signIn(user, 'Laptop/1.0', NEW_PASSWORD);
    const old = await t.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: DEFAULT_PASSWORD }, remoteAddress: nextIp() });
    expectProblem(old, 401, 'invalid_credentials');
  });

  it('refuses a wrong current password and a weak new one, changing nothing', async () => {
    const { user, laptop, phone } = await memberWithTwoSessions();
    const change = (payload: Record<string, string>) => t.inject({ method: 'POST', url: '/api/v1/me/password', headers: bearer(laptop.accessToken), payload });
    expectProblem(await change({ currentPassword: 'not my password', newPassword: NEW_PASSWORD }), 400, 'wrong_password');
    expect((await change({ currentPassword: DEFAULT_PASSWORD, newPassword: 'short' })).statusCode).toBe(400);
    expect((await refresh(phone)).statusCode).toBe(200);
    await signIn(user, 'Laptop/1.0', DEFAULT_PASSWORD);
  });
});
