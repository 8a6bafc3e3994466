import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { call, client, setSessionLostHandler } from './client.ts';
import { ApiError, toProblem } from './problem.ts';
import { session } from './session.ts';
import type { SessionTokens } from './views.ts';

const tokens = (access: string, refresh?: string, expiresIn = 900): SessionTokens => ({
  tokenType: 'Bearer',
  accessToken: access,
  expiresIn,
  ...(refresh ? { refreshToken: refresh } : {}),
  refreshTokenExpiresAt: '2026-12-31T00:00:00Z',
  userId: 'u1',
  tenant: { id: 't1', slug: 'acme', name: 'Acme', role: 'owner' },
});

const json = (status: number, body: unknown, type = 'application/json') => new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });

describe('problem+json', () => {
  it('indexes field errors by field, without the body. prefix', () => {
    const error = new ApiError(
      toProblem(400, { status: 400, code: 'validation_failed', detail: 'Invalid request body: email', errors: [{ field: 'body.email', message: 'Invalid email' }] }),
    );
    expect(error.code).toBe('validation_failed');
    expect(error.fieldErrors).toEqual({ email: 'Invalid email' });
  });

  it('gives a code to an answer that is not a problem document', () => {
    expect(new ApiError(toProblem(502, '<html>bad gateway</html>', 'r1'))).toMatchObject({ status: 502, code: 'internal_error', requestId: 'r1' });
  });
});

describe('the session', () => {
  afterEach(() => session.clear());

  it('keeps a refresh token from the body in memory, and none when the API uses its cookie', () => {
    session.remember(tokens('a1', 'r1'));
    expect(session.refreshBody()).toEqual({ refreshToken: 'r1' });
    session.remember(tokens('a2'));
    expect(session.refreshBody()).toEqual({});
    expect(localStorage.length + sessionStorage.length).toBe(0);
  });

  it('is due for a silent refresh a minute before the access token expires', () => {
    session.remember(tokens('a1', 'r1', 900), 0);
    expect(session.refreshDueIn(0)).toBe(840_000);
  });
});

describe('the client', () => {
  const fetchMock = vi.fn<typeof fetch>();
  beforeEach(() => {
    fetchMock.mockReset();
    vi.stubGlobal('fetch', fetchMock);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    session.clear();
  });

  it('sends the access token, and after a 401 refreshes once and retries with the new one', async () => {
    session.remember(tokens('old', 'r1'));
    fetchMock
      .mockResolvedValueOnce(json(401, { status: 401, code: 'unauthenticated' }, 'application/problem+json'))
      .mockResolvedValueOnce(json(200, tokens('new', 'r2')))
      .mockResolvedValueOnce(json(200, { user: { id: 'u1' } }));
    const me = await call(client.GET('/api/v1/me'));
    expect(me.user.id).toBe('u1');
    const sent = fetchMock.mock.calls.map(([input, init]) => {
      const request = input instanceof Request ? input : new Request(String(input), init);
      return [new URL(request.url).pathname, request.headers.get('authorization'), request.headers.get('x-requested-with')];
    });
    expect(sent).toEqual([
      ['/api/v1/me', 'Bearer old', 'tenantry'],
      ['/api/v1/auth/refresh', null, 'tenantry'],
      ['/api/v1/me', 'Bearer new', 'tenantry'],
    ]);
    expect(session.refreshBody()).toEqual({ refreshToken: 'r2' });
  });

  it('reports a session that cannot be renewed, and throws the problem as an ApiError', async () => {
    const lost = vi.fn();
    setSessionLostHandler(lost);
    session.remember(tokens('old', 'r1'));
    fetchMock
      .mockResolvedValueOnce(json(401, { status: 401, code: 'unauthenticated' }))
      .mockResolvedValueOnce(json(401, { status: 401, code: 'invalid_refresh_token' }));
    await expect(call(client.GET('/api/v1/me'))).rejects.toMatchObject({ status: 401, code: 'unauthenticated' });
    expect(lost).toHaveBeenCalledOnce();
    expect(session.current).toBeNull();
  });

  it('leaves a 401 of a public form to the form (a wrong password is no lost session)', async () => {
    const lost = vi.fn();
    setSessionLostHandler(lost);
    fetchMock.mockResolvedValueOnce(json(401, { status: 401, code: 'invalid_credentials', detail: 'Invalid email or password' }));
    await expect(call(client.POST('/api/v1/auth/login', { body: { email: 'a@b.c', password: 'x' } }))).rejects.toMatchObject({ code: 'invalid_credentials' });
    expect(lost).not.toHaveBeenCalled();
    expect(fetchMock).toHaveBeenCalledOnce();
  });

});
