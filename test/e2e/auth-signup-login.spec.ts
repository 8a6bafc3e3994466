import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { LightMyRequestResponse } from 'fastify';
import { PasswordHasher } from '../../src/modules/auth/passwords/password-hasher.js';
import type { SessionTokens } from '../../src/modules/auth/sessions/sessions.service.js';
import { UsersRepository } from '../../src/modules/auth/users.repository.js';
import { bearer, createTestApp, DEFAULT_PASSWORD, expectProblem, type TestApp, FACTORY_SESSION_IP } from '../support/http-app.js';

/**
 * Sign-up provisions a tenant; sign-in answers the same for an unknown email and a wrong password,
 * after the same work; /me tells who the caller is. Adversarial cases first.
 */

let t: TestApp;
let ipCounter = 0;
/** Each test signs in from its own address, so the per-IP throttle never couples two tests. */
const nextIp = (): string => `10.1.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;

beforeAll(async () => {
  t = await createTestApp();
});

afterAll(async () => {
  await t?.close();
});

afterEach(() => {
  jest.restoreAllMocks();
});

const post = (url: string, payload: unknown, remoteAddress = nextIp()) =>
  t.inject({ method: 'POST', url: `/api/v1${url}`, payload: payload as Record<string, unknown>, remoteAddress });

let seq = 0;
const freshEmail = (): string => `person-${Date.now()}-${++seq}@example.test`;

function signupBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { email: freshEmail(), password: DEFAULT_PASSWORD, name: 'Ada Lovelace', tenantName: 'Analytical Engines', ...overrides };
}

/** The parts of two problem documents that must not tell the cases apart (the request id differs by design). */
function comparable(res: LightMyRequestResponse): unknown {
  const { requestId: _requestId, ...body } = res.json<Record<string, unknown>>();
  return {
    status: res.statusCode,
    body,
    contentType: res.headers['content-type'],
    wwwAuthenticate: res.headers['www-authenticate'],
    retryAfter: res.headers['retry-after'],
  };
}

async function rows<T>(sql: string, values: unknown[] = []): Promise<T[]> {
  return (await t.owner.query(sql, values)).rows as T[];
}

describe('POST /api/v1/auth/signup', () => {
  it('creates the user, the tenant with its settings, the owner membership and a session, and signs in', async () => {
    const body = signupBody({ email: `  Grace.Hopper.${++seq}@Example.TEST `, tenantName: 'Société Générale & Co.' });
    const email = String(body.email).trim().toLowerCase();

    const res = await post('/auth/signup', body);

    expect(res.statusCode).toBe(201);
    const tokens = res.json<SessionTokens>();
    expect(tokens).toEqual({
      tokenType: 'Bearer',
      accessToken: expect.any(String),
      expiresIn: 900,
      refreshToken: expect.stringMatching(/^[0-9a-f]{32}\.[A-Za-z0-9_-]{43}$/),
      refreshTokenExpiresAt: expect.any(String),
      userId: expect.any(String),
      tenant: { id: expect.any(String), slug: 'societe-generale-co', name: 'Société Générale & Co.', role: 'owner' },
    });
    const [user] = await rows<{ id: string; email: string; password_hash: string; is_platform_admin: boolean }>(
      'select id, email, password_hash, is_platform_admin from users where email = $1',
      [email],
    );
    expect(user).toMatchObject({ id: tokens.userId, is_platform_admin: false });
    expect(user!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await rows('select role from memberships where tenant_id = $1', [tokens.tenant.id])).toEqual([{ role: 'owner' }]);
    expect(await rows('select display_name from tenant_settings where tenant_id = $1', [tokens.tenant.id])).toEqual([
      { display_name: 'Société Générale & Co.' },
    ]);
    expect(await rows('select action, actor_type, actor_id from audit_events where tenant_id = $1', [tokens.tenant.id])).toEqual([
      { action: 'auth.signup', actor_type: 'user', actor_id: tokens.userId },
    ]);
    // Only the hash of the refresh token is stored.
    expect(await rows('select length(token_hash) as n from refresh_tokens where token_hash = sha256(convert_to($1, $2))', [tokens.refreshToken, 'UTF8'])).toEqual([
      { n: 32 },
    ]);

    // The tokens work: the new owner reads its tenant, and signs in again with the password.
    const tenant = await t.inject({ method: 'GET', url: '/api/v1/tenant', headers: bearer(tokens.accessToken) });
    expect(tenant.statusCode).toBe(200);
    expect(tenant.json()).toMatchObject({ id: tokens.tenant.id, slug: 'societe-generale-co' });
    const again = await t.login(email, DEFAULT_PASSWORD, undefined, nextIp());
    expect(again.tenant).toEqual(tokens.tenant);
  });

  it('gives a second tenant of the same name a unique slug with a short suffix', async () => {
    const first = await post('/auth/signup', signupBody({ tenantName: 'Twin Peaks' }));
    const second = await post('/auth/signup', signupBody({ tenantName: 'Twin Peaks' }));

    expect([first.statusCode, second.statusCode]).toEqual([201, 201]);
    expect(first.json<SessionTokens>().tenant.slug).toBe('twin-peaks');
    expect(second.json<SessionTokens>().tenant.slug).toMatch(/^twin-peaks-[0-9a-f]{6}$/);
  });

  it('never gives a tenant a reserved slug', async () => {
    const res = await post('/auth/signup', signupBody({ tenantName: 'Admin' }));

    expect(res.statusCode).toBe(201);
    expect(res.json<SessionTokens>().tenant.slug).toMatch(/^admin-[0-9a-f]{6}$/);
  });

  it('refuses an email that has an account with 409 email_taken, whatever its case, and creates nothing', async () => {
    const email = freshEmail();
    expect((await post('/auth/signup', signupBody({ email }))).statusCode).toBe(201);
    const before = await rows<{ n: number }>('select (select count(*) from tenants)::int + (select count(*) from users)::int as n');

    const res = await post('/auth/signup', signupBody({ email: email.toUpperCase(), tenantName: 'Another one' }));

    expectProblem(res, 409, 'email_taken');
    expect(await rows('select (select count(*) from tenants)::int + (select count(*) from users)::int as n')).toEqual(before);
  });

  it('of two concurrent sign-ups with one email, exactly one succeeds and the other creates nothing', async () => {
    const email = freshEmail();
    const names = [`Race A ${seq}`, `Race B ${seq}`];

    const answers = await Promise.all(names.map((tenantName) => post('/auth/signup', signupBody({ email, tenantName }))));

    expect(answers.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    expect(await rows('select count(*)::int as n from users where email = $1', [email])).toEqual([{ n: 1 }]);
    // The loser's tenant, settings and membership were rolled back with its user.
    expect(await rows('select count(*)::int as n from tenants where name = any($1)', [names])).toEqual([{ n: 1 }]);
    expect(await rows('select count(*)::int as n from memberships m join users u on u.id = m.user_id where u.email = $1', [email])).toEqual([
      { n: 1 },
    ]);
  });

  it.each<[string, (localPart: string) => string]>([
    ['too short (9 characters)', () => 'abcdefghi'],
    ['too long (129 characters)', () => 'x'.repeat(129)],
    ['a common password', () => 'Password123'],
    ['containing the email local part', (localPart) => `my-${localPart.toUpperCase()}-pass`],
  ])('refuses a weak password: %s, with 400 validation_failed naming password', async (_name, password) => {
    const before = await rows('select count(*)::int as n from users');
    const localPart = `weakling${++seq}`;

    const res = await post('/auth/signup', signupBody({ email: `${localPart}@example.test`, password: password(localPart) }));

    const body = expectProblem(res, 400, 'validation_failed');
    expect(body.errors).toEqual([{ field: 'password', message: expect.any(String) }]);
    expect(await rows('select count(*)::int as n from users')).toEqual(before);
  });

  it.each([
    ['role', { role: 'owner' }],
    ['isPlatformAdmin', { isPlatformAdmin: true }],
    ['tenantId', { tenantId: '00000000-0000-4000-8000-000000000001' }],
    ['userId', { userId: '00000000-0000-4000-8000-000000000002' }],
    ['id', { id: '00000000-0000-4000-8000-000000000003' }],
    ['slug', { slug: 'chosen-slug' }],
  ])('refuses a body with an extra %s field (400), and creates nothing', async (field, extra) => {
    const body = signupBody(extra);

    const res = await post('/auth/signup', body);

    const problem = expectProblem(res, 400, 'validation_failed');
    expect(JSON.stringify(problem)).toContain(field);
    expect(await rows('select 1 from users where email = $1', [body.email])).toEqual([]);
    expect(await rows('select 1 from users where is_platform_admin')).toEqual([]);
  });

  it.each([
    ['a missing email', { email: undefined }],
    ['an invalid email', { email: 'not-an-email' }],
    ['an empty name', { name: '   ' }],
    ['an empty tenant name', { tenantName: '' }],
  ])('refuses %s with 400 validation_failed', async (_name, overrides) => {
    expectProblem(await post('/auth/signup', signupBody(overrides)), 400, 'validation_failed');
  });
});

describe('POST /api/v1/auth/login: the same answer, after the same work, for an unknown email and a wrong password', () => {
  it('answers 401 invalid_credentials with an identical problem document in both cases', async () => {
    const user = await t.makeUser();
    const tenant = await t.makeTenant();
    await t.makeMember(tenant.id, 'member', user);

    const wrongPassword = await post('/auth/login', { email: user.email, password: 'not the right password' });
    const unknownEmail = await post('/auth/login', { email: freshEmail(), password: 'not the right password' });
    const noPasswordSet = await post('/auth/login', {
      email: (await t.makeUser({ password: null })).email,
      password: 'not the right password',
    });

    expectProblem(wrongPassword, 401, 'invalid_credentials');
    expect(comparable(unknownEmail)).toEqual(comparable(wrongPassword));
    expect(comparable(noPasswordSet)).toEqual(comparable(wrongPassword));
  });

  it('runs one credential lookup and ONE argon2id verification in every case: for an unknown email, against the dummy hash', async () => {
    const hasher = t.app.get(PasswordHasher);
    const users = t.app.get(UsersRepository);
    const user = await t.makeUser();
    const [{ password_hash: realHash }] = (await rows<{ password_hash: string }>('select password_hash from users where id = $1', [user.id])) as [{ password_hash: string }];
    const verify = jest.spyOn(hasher, 'verify');
    const lookup = jest.spyOn(users, 'credentialsByEmail');

    await post('/auth/login', { email: user.email, password: 'wrong password 1' });
    const knownCalls = { verify: verify.mock.calls.slice(), lookup: lookup.mock.calls.length };
    verify.mockClear();
    lookup.mockClear();
    const unknown = freshEmail();
    await post('/auth/login', { email: unknown, password: 'wrong password 2' });

    expect(knownCalls.verify).toEqual([[realHash, 'wrong password 1']]);
    expect(knownCalls.lookup).toBe(1);
    expect(verify.mock.calls).toEqual([[hasher.dummyHash, 'wrong password 2']]);
    expect(lookup.mock.calls).toEqual([[unknown]]);
    // The dummy hash costs what a real one costs: same algorithm, same parameters.
    expect(hasher.dummyHash.split('$').slice(0, 4)).toEqual(realHash.split('$').slice(0, 4));
  });

  it('records auth.login_failed in every tenant of a known account, and nothing anywhere for an unknown email', async () => {
    const user = await t.makeUser();
    const a = await t.makeTenant();
    const b = await t.makeTenant();
    await t.makeMember(a.id, 'member', user);
    await t.makeMember(b.id, 'admin', user);
    const ip = nextIp();

    await post('/auth/login', { email: user.email, password: 'not the right password' }, ip);
    await post('/auth/login', { email: freshEmail(), password: 'not the right password' }, ip);

    // Recorded after the answer is sent (it must not make a known account slower to refuse).
    const events = await eventually(async () => {
      const found = await rows<Record<string, unknown>>(
        `select tenant_id, action, actor_type, actor_id, target_type, target_id, ip from audit_events
          where action = 'auth.login_failed' and target_id = $1 order by tenant_id`,
        [user.id],
      );
      return found.length === 2 ? found : undefined;
    });
    expect(events).toEqual(
      [a.id, b.id].sort().map((tenantId) => ({
        tenant_id: tenantId,
        action: 'auth.login_failed',
        actor_type: 'system',
        actor_id: null,
        target_type: 'user',
        target_id: user.id,
        ip,
      })),
    );
  });

  it('records the failure only in the tenant asked for, when the account belongs to it', async () => {
    const user = await t.makeUser();
    const a = await t.makeTenant();
    const b = await t.makeTenant();
    await t.makeMember(a.id, 'member', user);
    await t.makeMember(b.id, 'member', user);

    await post('/auth/login', { email: user.email, password: 'not the right password', tenant: b.slug });

    const events = await eventually(async () => {
      const found = await rows<{ tenant_id: string }>(`select tenant_id from audit_events where action = 'auth.login_failed' and target_id = $1`, [
        user.id,
      ]);
      return found.length > 0 ? found : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 200)); // a second event would have landed by now
    expect(await rows(`select tenant_id from audit_events where action = 'auth.login_failed' and target_id = $1`, [user.id])).toEqual(events);
    expect(events).toEqual([{ tenant_id: b.id }]);
  });
});

describe('POST /api/v1/auth/login', () => {
  it("signs in to the user's first active tenant by default, with a short-lived access token naming user, tenant and session", async () => {
    const user = await t.makeUser();
    const suspended = await t.makeTenant();
    const active = await t.makeTenant();
    await t.makeMember(suspended.id, 'owner', user);
    await t.makeMember(active.id, 'billing', user);
    await t.owner.query(`update tenants set status = 'suspended' where id = $1`, [suspended.id]);

    const tokens = await t.login(user.email, DEFAULT_PASSWORD, undefined, nextIp());

    expect(tokens.tenant).toEqual({ id: active.id, slug: active.slug, name: active.name, role: 'billing' });
    const [header, payload] = tokens.accessToken.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toEqual({
      sub: user.id,
      tid: active.id,
      sid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      typ: 'access',
      iss: 'tenantry',
      aud: 'tenantry-api',
      iat: expect.any(Number),
      exp: expect.any(Number),
    });
    expect(payload.exp - payload.iat).toBe(900);
    expect(payload).not.toHaveProperty('roles');
    const [session] = await rows<{ family_id: string; active_tenant_id: string; ip: string }>(
      `select family_id, active_tenant_id, ip from refresh_tokens where user_id = $1 and ip is distinct from '${FACTORY_SESSION_IP}'`,
      [user.id],
    );
    expect(session).toMatchObject({ family_id: payload.sid, active_tenant_id: active.id });
    expect(await rows(`select actor_id from audit_events where tenant_id = $1 and action = 'auth.login'`, [active.id])).toEqual([
      { actor_id: user.id },
    ]);
  });

  it('signs in to the tenant asked for, by slug or by id', async () => {
    const user = await t.makeUser();
    const a = await t.makeTenant();
    const b = await t.makeTenant();
    await t.makeMember(a.id, 'member', user);
    await t.makeMember(b.id, 'admin', user);

    expect((await t.login(user.email, DEFAULT_PASSWORD, b.slug, nextIp())).tenant).toMatchObject({ id: b.id, role: 'admin' });
    expect((await t.login(user.email, DEFAULT_PASSWORD, b.id, nextIp())).tenant).toMatchObject({ id: b.id, role: 'admin' });
    expect((await t.login(user.email, DEFAULT_PASSWORD, a.slug, nextIp())).tenant).toMatchObject({ id: a.id, role: 'member' });
  });

  it("refuses a tenant the user is not a member of, or a deleted one, with 403 not_a_member and opens no session", async () => {
    const user = await t.makeUser();
    const mine = await t.makeTenant();
    const other = await t.makeTenant();
    const deleted = await t.makeTenant();
    await t.makeMember(mine.id, 'member', user);
    await t.makeMember(deleted.id, 'owner', user);
    await t.owner.query(`update tenants set status = 'deleted', deleted_at = now() where id = $1`, [deleted.id]);

    for (const tenant of [other.slug, other.id, deleted.slug, 'no-such-tenant']) {
      expectProblem(await post('/auth/login', { email: user.email, password: DEFAULT_PASSWORD, tenant }), 403, 'not_a_member');
    }
    expect(await rows(`select 1 from refresh_tokens where user_id = $1 and ip is distinct from '${FACTORY_SESSION_IP}'`, [user.id])).toEqual([]);
  });

  it('refuses a user who belongs to no tenant with 403 no_tenant', async () => {
    const user = await t.makeUser();

    expectProblem(await post('/auth/login', { email: user.email, password: DEFAULT_PASSWORD }), 403, 'no_tenant');
  });

  it.each([
    ['role', { role: 'owner' }],
    ['tenantId', { tenantId: '00000000-0000-4000-8000-000000000001' }],
    ['isPlatformAdmin', { isPlatformAdmin: true }],
    ['sub', { sub: '00000000-0000-4000-8000-000000000002' }],
  ])('refuses a body with an extra %s field (400) and opens no session', async (_field, extra) => {
    const user = await t.makeUser();
    const tenant = await t.makeTenant();
    await t.makeMember(tenant.id, 'member', user);

    expectProblem(await post('/auth/login', { email: user.email, password: DEFAULT_PASSWORD, ...extra }), 400, 'validation_failed');
    expect(await rows(`select 1 from refresh_tokens where user_id = $1 and ip is distinct from '${FACTORY_SESSION_IP}'`, [user.id])).toEqual([]);
  });

  it('upgrades a hash made with older argon2 parameters at the next successful sign-in', async () => {
    const { hash } = await import('@node-rs/argon2');
    const user = await t.makeUser();
    const tenant = await t.makeTenant();
    await t.makeMember(tenant.id, 'member', user);
    await t.owner.query('update users set password_hash = $2 where id = $1', [user.id, await hash(DEFAULT_PASSWORD, { memoryCost: 4096, timeCost: 3 })]);

    await t.login(user.email, DEFAULT_PASSWORD, undefined, nextIp());

    const [{ password_hash: upgraded }] = (await rows<{ password_hash: string }>('select password_hash from users where id = $1', [user.id])) as [{ password_hash: string }];
    expect(upgraded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    await t.login(user.email, DEFAULT_PASSWORD, undefined, nextIp());
  });
});

describe('GET /api/v1/me', () => {
  it('signup, then login, then /me: the user, the active tenant and role, and every tenant of the user', async () => {
    const body = signupBody({ name: 'Katherine Johnson', tenantName: 'Langley' });
    const signedUp = (await post('/auth/signup', body)).json<SessionTokens>();
    const other = await t.makeTenant();
    const [user] = await rows<{ id: string; email: string; name: string }>('select id, email, name from users where id = $1', [signedUp.userId]);
    await t.owner.query('insert into memberships (tenant_id, user_id, role) values ($1, $2, $3)', [other.id, user!.id, 'member']);

    const tokens = await t.login(String(body.email), DEFAULT_PASSWORD, undefined, nextIp());
    const res = await t.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(tokens.accessToken) });

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      user: { id: signedUp.userId, email: body.email, name: 'Katherine Johnson', isPlatformAdmin: false },
      tenant: { id: signedUp.tenant.id, slug: signedUp.tenant.slug, name: 'Langley', status: 'active' },
      role: 'owner',
      tenants: [
        { id: signedUp.tenant.id, slug: signedUp.tenant.slug, name: 'Langley', status: 'active', role: 'owner' },
        { id: other.id, slug: other.slug, name: other.name, status: 'active', role: 'member' },
      ],
    });
  });

  it('is 401 without a token', async () => {
    expectProblem(await t.inject({ method: 'GET', url: '/api/v1/me' }), 401, 'unauthenticated');
  });
});

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
