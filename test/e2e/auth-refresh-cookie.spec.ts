import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { LightMyRequestResponse } from 'fastify';
import type { SessionTokens } from '../../src/modules/auth/sessions/sessions.service.js';
import { bearer, createTestApp, DEFAULT_PASSWORD, expectProblem, type TestApp } from '../support/http-app.js';

/**
 * The refresh token in an httpOnly cookie for browsers (docs/adr/0016): set by sign-up, sign-in,
 * refresh and switch-tenant; accepted by refresh and sign-out only with X-Requested-With: tenantry;
 * cleared by sign-out. The JSON body keeps working for other clients.
 */

let t: TestApp;
let ipCounter = 0;
const nextIp = (): string => `10.9.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;
const CSRF = { 'x-requested-with': 'tenantry' };

beforeAll(async () => {
  t = await createTestApp();
});

afterAll(async () => {
  await t?.close();
});

function refreshCookie(res: LightMyRequestResponse): { value: string; attributes: string } {
  const header = [res.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('tenantry_refresh='));
  if (!header) throw new Error(`no tenantry_refresh cookie in ${JSON.stringify(res.headers['set-cookie'])}`);
  const [pair, ...attributes] = header.split(';');
  return { value: decodeURIComponent(pair!.slice('tenantry_refresh='.length)), attributes: attributes.join(';') };
}

async function signIn(): Promise<{ res: LightMyRequestResponse; tokens: SessionTokens }> {
  const user = await t.makeUser();
  const tenant = await t.makeTenant();
  await t.makeMember(tenant.id, 'member', user);
  const res = await t.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: DEFAULT_PASSWORD }, remoteAddress: nextIp() });
  expect(res.statusCode).toBe(200);
  return { res, tokens: res.json<SessionTokens>() };
}

const withCookie = (value: string, headers: Record<string, string> = {}) => ({ cookie: `tenantry_refresh=${encodeURIComponent(value)}`, ...headers });

describe('the refresh cookie', () => {
  it('is set by sign-in: httpOnly, SameSite=Strict, limited to the auth routes, not Secure in tests', async () => {
    const { res, tokens } = await signIn();
    const cookie = refreshCookie(res);
    expect(cookie.value).toBe(tokens.refreshToken);
    expect(cookie.attributes).toMatch(/HttpOnly/i);
    expect(cookie.attributes).toMatch(/SameSite=Strict/i);
    expect(cookie.attributes).toMatch(/Path=\/api\/v1\/auth(;|$)/);
    expect(cookie.attributes).not.toMatch(/Secure/i);
    expect(new Date(cookie.attributes.match(/Expires=([^;]+)/i)![1]!).getTime()).toBe(Math.floor(Date.parse(tokens.refreshTokenExpiresAt) / 1000) * 1000);
  });

  it('is Secure when AUTH_COOKIE_SECURE is on (the production default)', async () => {
    const secure = await createTestApp({ env: { AUTH_COOKIE_SECURE: 'true' } });
    try {
      const user = await secure.makeUser();
      const tenant = await secure.makeTenant();
      await secure.makeMember(tenant.id, 'owner', user);
      const res = await secure.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: DEFAULT_PASSWORD } });
      expect(refreshCookie(res).attributes).toMatch(/Secure/i);
    } finally {
      await secure.close();
    }
  });

  it('is set by sign-up', async () => {
    const res = await t.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email: `cookie-${Date.now()}@example.test`, password: DEFAULT_PASSWORD, name: 'Cookie', tenantName: 'Cookie Co' },
      remoteAddress: nextIp(),
    });
    expect(res.statusCode).toBe(201);
    expect(refreshCookie(res).value).toBe(res.json<SessionTokens>().refreshToken);
  });

  it('refreshes with the cookie and the CSRF header, and is rotated in the answer', async () => {
    const { tokens } = await signIn();
    const res = await t.inject({ method: 'POST', url: '/api/v1/auth/refresh', headers: withCookie(tokens.refreshToken, CSRF) });
    expect(res.statusCode).toBe(200);
    const rotated = res.json<SessionTokens>();
    expect(rotated.refreshToken).not.toBe(tokens.refreshToken);
    expect(refreshCookie(res).value).toBe(rotated.refreshToken);
    expect((await t.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(rotated.accessToken) })).statusCode).toBe(200);
  });

  it('refuses a cookie-borne refresh without the CSRF header (what a cross-site form would send), and rotates nothing', async () => {
    const { tokens } = await signIn();
    const form = await t.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      headers: withCookie(tokens.refreshToken, { 'content-type': 'application/x-www-form-urlencoded' }),
      payload: '',
    });
    expect(form.statusCode).toBeGreaterThanOrEqual(400);
    expectProblem(await t.inject({ method: 'POST', url: '/api/v1/auth/refresh', headers: withCookie(tokens.refreshToken) }), 403, 'csrf_header_required');
    expectProblem(
      await t.inject({ method: 'POST', url: '/api/v1/auth/refresh', headers: withCookie(tokens.refreshToken, { 'x-requested-with': 'XMLHttpRequest' }), payload: {} }),
      403,
      'csrf_header_required',
    );
    // The token was not used: it still refreshes once.
    expect((await t.inject({ method: 'POST', url: '/api/v1/auth/refresh', headers: withCookie(tokens.refreshToken, CSRF) })).statusCode).toBe(200);
  });

  it('keeps the JSON body working without any header, and the body wins over a cookie', async () => {
    const { tokens } = await signIn();
    const other = await signIn();
    const res = await t.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: tokens.refreshToken }, headers: withCookie(other.tokens.refreshToken) });
    expect(res.statusCode).toBe(200);
    expect(res.json<SessionTokens>().userId).toBe(tokens.userId);
  });

  it('answers 401 to a refresh with neither body token nor cookie', async () => {
    expectProblem(await t.inject({ method: 'POST', url: '/api/v1/auth/refresh', headers: CSRF }), 401, 'invalid_refresh_token');
    expectProblem(await t.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: {} }), 401, 'invalid_refresh_token');
  });

  it('signs out with the cookie and the CSRF header: the session is revoked and the cookie cleared', async () => {
    const { tokens } = await signIn();
    expectProblem(await t.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: withCookie(tokens.refreshToken) }), 403, 'csrf_header_required');
    const res = await t.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: withCookie(tokens.refreshToken, CSRF) });
    expect(res.statusCode).toBe(204);
    const cleared = refreshCookie(res);
    expect(cleared.value).toBe('');
    expect(cleared.attributes).toMatch(/Path=\/api\/v1\/auth/);
    expect(cleared.attributes).toMatch(/Expires=Thu, 01 Jan 1970/);
    expectProblem(await t.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: tokens.refreshToken } }), 401, 'invalid_refresh_token');
  });

  it('is set by switch-tenant', async () => {
    const user = await t.makeUser();
    const first = await t.makeTenant();
    const second = await t.makeTenant();
    await t.makeMember(first.id, 'member', user);
    await t.makeMember(second.id, 'member', user);
    const tokens = await t.login(user.email, DEFAULT_PASSWORD, first.slug, nextIp());
    const res = await t.inject({ method: 'POST', url: '/api/v1/auth/switch-tenant', headers: bearer(tokens.accessToken), payload: { tenantId: second.id } });
    expect(res.statusCode).toBe(200);
    expect(refreshCookie(res).value).toBe(res.json<SessionTokens>().refreshToken);
  });
});
