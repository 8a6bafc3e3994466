import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApp, type TestApp, type TestTenant } from '../support/http-app.js';

/**
 * Per-tenant allowed origins on the widget API (docs/adr/0021-embeddable-widget.md): CORS answers
 * only the tenant's websites, a call from any other website is refused before anything is stored
 * or counted against the tenant's limit, the preflight is answered for any origin (the POST
 * enforces), and an empty list means any origin in development and none in production.
 */

const SHOP = 'https://shop.example';
const EVIL = 'https://evil.example';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp(); // NODE_ENV=test: an empty list admits any origin
});
afterAll(async () => {
  await t?.close();
});

async function widgetTenant(app: TestApp, allowedOrigins: string[], chatPer10s = 100): Promise<TestTenant> {
  const tenant = await app.makeTenant();
  await app.owner.query('update tenants set limit_overrides = $2 where id = $1', [tenant.id, { chat_per_10s: chatPer10s }]);
  await app.owner.query("insert into assistant_configs (tenant_id, model, welcome_message, widget_enabled, allowed_origins) values ($1, 'mock-1', 'Hi.', true, $2)", [
    tenant.id,
    allowedOrigins,
  ]);
  return tenant;
}

const post = (app: TestApp, url: string, payload: object, origin?: string) =>
  app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...(origin !== undefined && { origin }) }, payload: JSON.stringify(payload) });

async function sessionOf(app: TestApp, tenant: TestTenant, origin?: string): Promise<string> {
  const res = await post(app, '/session', { tenant_id: tenant.slug }, origin);
  expect(res.statusCode).toBe(200);
  return res.json<{ session_id: string }>().session_id;
}

const chat = (app: TestApp, tenant: TestTenant, sessionId: string, origin?: string, message = 'hello') =>
  post(app, '/chat', { tenant_id: tenant.slug, session_id: sessionId, message }, origin);

const counts = async (app: TestApp, tenantId: string) => {
  const { rows } = await app.owner.query<{ conversations: number; messages: number }>(
    'select (select count(*)::int from conversations where tenant_id = $1) as conversations, (select count(*)::int from messages where tenant_id = $1) as messages',
    [tenantId],
  );
  return rows[0]!;
};

/** The CORS headers of an answer the page may read: its origin, and the headers it may read besides the safelisted ones. */
function expectReadableBy(res: LightMyRequestResponse, origin: string): void {
  expect(res.headers['access-control-allow-origin']).toBe(origin);
  expect(res.headers['access-control-expose-headers']).toBe('Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, X-Request-Id');
  expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  expect(String(res.headers.vary)).toMatch(/\bOrigin\b/);
}

function expectOriginRefused(res: LightMyRequestResponse): void {
  expect({ status: res.statusCode, body: res.json(), acao: res.headers['access-control-allow-origin'] }).toEqual({
    status: 403,
    body: { detail: 'Origin not allowed' },
    acao: undefined,
  });
  expect(String(res.headers.vary)).toMatch(/\bOrigin\b/);
}

describe('an origin on the tenant list', () => {
  it('starts a session and chats, each answer readable by that origin only (Access-Control-Allow-Origin: <origin>, Vary: Origin)', async () => {
    const tenant = await widgetTenant(t, [SHOP, 'http://127.0.0.1:4100']);

    const started = await post(t, '/session', { tenant_id: tenant.slug }, SHOP);
    expect(started.statusCode).toBe(200);
    expectReadableBy(started, SHOP);
    const replied = await chat(t, tenant, started.json<{ session_id: string }>().session_id, 'http://127.0.0.1:4100');
    expect(replied.statusCode).toBe(200);
    expectReadableBy(replied, 'http://127.0.0.1:4100');
    expect(await counts(t, tenant.id)).toEqual({ conversations: 1, messages: 2 });
  });

  it("also makes the widget's error answers readable: 429 with its Retry-After, Unknown session, and the cross-tenant 403", async () => {
    const tenant = await widgetTenant(t, [SHOP], 1);
    const other = await widgetTenant(t, []);
    const sessionId = await sessionOf(t, tenant, SHOP);
    expect((await chat(t, tenant, sessionId, SHOP)).statusCode).toBe(200);

    const limited = await chat(t, tenant, sessionId, SHOP);
    expect({ status: limited.statusCode, body: limited.json() }).toEqual({ status: 429, body: { detail: 'Rate limit exceeded' } });
    expectReadableBy(limited, SHOP);
    expect(limited.headers['retry-after']).toEqual(expect.any(String));

    const unknown = await chat(t, tenant, 'not-a-session', SHOP);
    expect({ status: unknown.statusCode, body: unknown.json() }).toEqual({ status: 404, body: { detail: 'Unknown session' } });
    expectReadableBy(unknown, SHOP);

    const crossed = await chat(t, tenant, await sessionOf(t, other), SHOP);
    expect({ status: crossed.statusCode, body: crossed.json() }).toEqual({ status: 403, body: { detail: 'Session does not belong to tenant' } });
    expectReadableBy(crossed, SHOP);
  });
});

describe('an origin not on the list', () => {
  it('POST /session: 403 "Origin not allowed", unreadable by that page (no Access-Control-Allow-Origin), and no session stored', async () => {
    const tenant = await widgetTenant(t, [SHOP]);

    expectOriginRefused(await post(t, '/session', { tenant_id: tenant.slug }, EVIL));
    expectOriginRefused(await post(t, '/session', { tenant_id: tenant.slug }, 'https://shop.example:8443'));
    expectOriginRefused(await post(t, '/session', { tenant_id: tenant.slug }, 'http://shop.example'));
    expectOriginRefused(await post(t, '/session', { tenant_id: tenant.slug }, 'null'));

    expect(await counts(t, tenant.id)).toEqual({ conversations: 0, messages: 0 });
  });

  it("POST /chat with a session started on an allowed page: 403, nothing stored, and not counted against the tenant's limit", async () => {
    const tenant = await widgetTenant(t, [SHOP], 2);
    const sessionId = await sessionOf(t, tenant, SHOP);
    const first = await chat(t, tenant, sessionId, SHOP);
    expect([first.statusCode, first.headers['ratelimit-remaining']]).toEqual([200, '1']);
    const before = await counts(t, tenant.id);

    for (let i = 0; i < 5; i++) expectOriginRefused(await chat(t, tenant, sessionId, EVIL, `from evil ${i}`));

    expect(await counts(t, tenant.id)).toEqual(before);
    const next = await chat(t, tenant, sessionId, SHOP);
    expect([next.statusCode, next.headers['ratelimit-remaining']]).toEqual([200, '0']); // the refused five took nothing
  });

  it('an unknown tenant stays "Unknown tenant" (404) whatever the origin: the refusal does not tell which tenants exist', async () => {
    const off = await widgetTenant(t, [SHOP]);
    await t.owner.query('update assistant_configs set widget_enabled = false where tenant_id = $1', [off.id]);

    for (const slug of ['no-such-tenant-here', off.slug]) {
      const res = await post(t, '/session', { tenant_id: slug }, EVIL);
      expect({ status: res.statusCode, body: res.json() }).toEqual({ status: 404, body: { detail: 'Unknown tenant' } });
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
  });
});

describe('calls that are not cross-origin', () => {
  it('no Origin header (curl, a server) and the API’s own origin (the app’s assistant page) need no list, and get no CORS header', async () => {
    const tenant = await widgetTenant(t, [SHOP]);

    const noOrigin = await chat(t, tenant, await sessionOf(t, tenant));
    const appOrigin = await chat(t, tenant, await sessionOf(t, tenant, 'http://localhost:3000'), 'http://localhost:3000'); // APP_BASE_URL
    const hostOrigin = await chat(t, tenant, await sessionOf(t, tenant, 'http://localhost'), 'http://localhost'); // the Host it was sent to

    for (const res of [noOrigin, appOrigin, hostOrigin]) {
      expect(res.statusCode).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
  });
});

describe('changes to the list', () => {
  it('an origin added is admitted on the next request; one removed is refused on the next request, before anything is stored', async () => {
    const tenant = await widgetTenant(t, [SHOP]);
    const admin = await t.makeMember(tenant.id, 'admin');
    const setOrigins = async (allowedOrigins: string[]) =>
      expect((await t.inject({ method: 'PATCH', url: '/api/v1/assistant', headers: admin.auth, payload: { allowedOrigins } })).statusCode).toBe(200);
    const sessionId = await sessionOf(t, tenant, SHOP);
    expect((await chat(t, tenant, sessionId, SHOP)).statusCode).toBe(200); // SHOP's admission is in memory now
    expectOriginRefused(await chat(t, tenant, sessionId, 'https://new.example'));

    await setOrigins([SHOP, 'https://new.example']);
    expect((await chat(t, tenant, sessionId, 'https://new.example')).statusCode).toBe(200);

    await setOrigins(['https://new.example']);
    const before = await counts(t, tenant.id);
    expectOriginRefused(await chat(t, tenant, sessionId, SHOP));
    expectOriginRefused(await post(t, '/session', { tenant_id: tenant.slug }, SHOP));
    expect(await counts(t, tenant.id)).toEqual(before);
  });
});

describe('the preflight (OPTIONS: no body, so no tenant)', () => {
  it.each(['/session', '/chat'])('OPTIONS %s: 204, POST with Content-Type allowed for the asking origin, cached by the browser for 2 hours', async (url) => {
    const res = await t.inject({
      method: 'OPTIONS',
      url,
      headers: { origin: EVIL, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });

    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect(res.headers).toMatchObject({
      'access-control-allow-origin': EVIL,
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'Content-Type',
      'access-control-max-age': '7200',
      vary: expect.stringMatching(/\bOrigin\b/),
    });
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('without an Origin it is no CORS preflight: 204 with nothing allowed', async () => {
    const res = await t.inject({ method: 'OPTIONS', url: '/chat' });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('an empty list', () => {
  it('in development and test (NODE_ENV !== production): any origin, as before there were lists', async () => {
    const tenant = await widgetTenant(t, []);
    const sessionId = await sessionOf(t, tenant, EVIL);
    const res = await chat(t, tenant, sessionId, 'http://127.0.0.1:5173');
    expect(res.statusCode).toBe(200);
    expectReadableBy(res, 'http://127.0.0.1:5173');
  });

  describe('in production', () => {
    let prod: TestApp;
    beforeAll(async () => {
      prod = await createTestApp({ env: { NODE_ENV: 'production', MAIL_TRANSPORT: 'file', APP_BASE_URL: 'https://app.tenantry.example' } });
    });
    afterAll(async () => {
      await prod?.close();
    });

    it('refuses every cross-origin call, stores nothing; the API’s own origin and Origin-less calls still work; a listed origin works', async () => {
      const unlisted = await widgetTenant(prod, []);
      const listed = await widgetTenant(prod, [SHOP]);

      expectOriginRefused(await post(prod, '/session', { tenant_id: unlisted.slug }, SHOP));
      const own = await sessionOf(prod, unlisted, 'https://app.tenantry.example');
      expectOriginRefused(await chat(prod, unlisted, own, SHOP));
      expect(await counts(prod, unlisted.id)).toEqual({ conversations: 1, messages: 0 });
      expect((await chat(prod, unlisted, own, 'https://app.tenantry.example')).statusCode).toBe(200);
      expect((await chat(prod, unlisted, own)).statusCode).toBe(200);

      const res = await chat(prod, listed, await sessionOf(prod, listed, SHOP), SHOP);
      expect(res.statusCode).toBe(200);
      expectReadableBy(res, SHOP);
    });
  });

  it('WIDGET_EMPTY_ORIGINS=none says the same outside production', async () => {
    const strict = await createTestApp({ env: { WIDGET_EMPTY_ORIGINS: 'none' } });
    try {
      const tenant = await widgetTenant(strict, []);
      expectOriginRefused(await post(strict, '/session', { tenant_id: tenant.slug }, 'http://127.0.0.1:5173'));
      expect((await post(strict, '/session', { tenant_id: tenant.slug })).statusCode).toBe(200);
    } finally {
      await strict.close();
    }
  });
});
