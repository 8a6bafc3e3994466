import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { SessionsRepository } from '../../src/modules/auth/sessions/sessions.repository.js';
import type { SessionTokens } from '../../src/modules/auth/sessions/sessions.service.js';
import { bearer, createTestApp, mintToken, DEFAULT_PASSWORD, expectProblem, type TestApp, type TestTenant, type TestUser, FACTORY_SESSION_IP } from '../support/http-app.js';

/**
 * Sessions: refresh tokens rotate on every use; a rotated token presented again revokes its whole
 * family (and the family's access tokens); sign-out revokes; switch-tenant moves the session to
 * another tenant of the user's, never to one they do not belong to.
 */

let t: TestApp;
let ipCounter = 0;
const nextIp = (): string => `10.2.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;

beforeAll(async () => {
  t = await createTestApp();
});

afterAll(async () => {
  await t?.close();
});

afterEach(() => {
  jest.restoreAllMocks();
});

const post = (url: string, payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
  t.inject({ method: 'POST', url: `/api/v1${url}`, payload, headers, remoteAddress: nextIp() });
const refresh = (refreshToken: string) => post('/auth/refresh', { refreshToken });
const me = (accessToken: string) => t.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(accessToken) });

interface Signed {
  user: TestUser;
  tenant: TestTenant;
  tokens: SessionTokens;
}

/** A member of a new tenant, signed in. */
async function signedIn(role: 'owner' | 'admin' | 'member' = 'member'): Promise<Signed> {
  const user = await t.makeUser();
  const tenant = await t.makeTenant();
  await t.makeMember(tenant.id, role, user);
  return { user, tenant, tokens: await t.login(user.email, DEFAULT_PASSWORD, undefined, nextIp()) };
}

async function familyRows(userId: string): Promise<Array<{ active_tenant_id: string; rotated: boolean; revoked: boolean }>> {
  const { rows } = await t.owner.query(
    `select active_tenant_id, rotated_at is not null as rotated, revoked_at is not null as revoked
       from refresh_tokens where user_id = $1 and ip is distinct from $2 order by created_at, rotated_at nulls last`,
    [userId, FACTORY_SESSION_IP],
  );
  return rows as Array<{ active_tenant_id: string; rotated: boolean; revoked: boolean }>;
}

describe('POST /api/v1/auth/refresh', () => {
  it('rotates: a new refresh token and access token for the same session and tenant; the old one is marked rotated', async () => {
    const { user, tenant, tokens } = await signedIn();

    const res = await refresh(tokens.refreshToken);

    expect(res.statusCode).toBe(200);
    const next = res.json<SessionTokens>();
    expect(next.refreshToken).not.toBe(tokens.refreshToken);
    expect(next.tenant).toEqual(tokens.tenant);
    const sid = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()).sid;
    expect(sid(next.accessToken)).toBe(sid(tokens.accessToken));
    expect(await familyRows(user.id)).toEqual([
      { active_tenant_id: tenant.id, rotated: true, revoked: false },
      { active_tenant_id: tenant.id, rotated: false, revoked: false },
    ]);
    expect((await me(next.accessToken)).statusCode).toBe(200);
    expect((await refresh(next.refreshToken)).statusCode).toBe(200); // and the new one rotates in turn
  });

  it('reusing a rotated token revokes the whole family: the newest refresh token and the access tokens stop working too', async () => {
    const { user, tenant, tokens } = await signedIn();
    const second = (await refresh(tokens.refreshToken)).json<SessionTokens>();
    const third = (await refresh(second.refreshToken)).json<SessionTokens>();
    expect((await me(third.accessToken)).statusCode).toBe(200);

    const replay = await refresh(tokens.refreshToken);

    expectProblem(replay, 401, 'refresh_token_reused');
    expect((await familyRows(user.id)).map((r) => r.revoked)).toEqual([true, true, true]);
    expectProblem(await refresh(third.refreshToken), 401, 'invalid_refresh_token');
    expectProblem(await me(third.accessToken), 401, 'unauthenticated');
    expectProblem(await me(tokens.accessToken), 401, 'unauthenticated');
    const { rows } = await t.owner.query(`select actor_type, target_id from audit_events where tenant_id = $1 and action = 'auth.refresh_token_reused'`, [
      tenant.id,
    ]);
    expect(rows).toEqual([{ actor_type: 'system', target_id: user.id }]);
  });

  it('of two concurrent refreshes of one token, exactly one gets 200', async () => {
    const { user, tokens } = await signedIn();
    // Both requests read the token as current before either rotates it: the race, every time.
    const repository = t.app.get(SessionsRepository);
    const read = repository.findByHash.bind(repository);
    let reads = 0;
    let bothRead!: () => void;
    const barrier = new Promise<void>((resolve) => (bothRead = resolve));
    jest.spyOn(repository, 'findByHash').mockImplementation(async (hash) => {
      const row = await read(hash);
      if (++reads === 2) bothRead();
      await barrier;
      return row;
    });

    const answers = await Promise.all([refresh(tokens.refreshToken), refresh(tokens.refreshToken)]);

    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 401]);
    expect(answers.find((r) => r.statusCode === 401)!.json()).toMatchObject({ code: 'refresh_token_reused' });
    // Exactly one successor was issued; and since the loser is indistinguishable from a replay by
    // a thief, the family is revoked (docs/adr/0005: clients refresh one request at a time).
    const rows = await familyRows(user.id);
    expect(rows).toHaveLength(2);
    expect(rows.filter((r) => r.rotated)).toHaveLength(1);
    expect(rows.every((r) => r.revoked)).toBe(true);
  });

  it('refuses an expired refresh token with 401 invalid_refresh_token, and issues nothing', async () => {
    const { user, tokens } = await signedIn();
    await t.owner.query(`update refresh_tokens set expires_at = now() - interval '1 second' where user_id = $1`, [user.id]);

    expectProblem(await refresh(tokens.refreshToken), 401, 'invalid_refresh_token');
    expect(await familyRows(user.id)).toHaveLength(1);
  });

  it.each([
    ['garbage', 'not-a-token'],
    ['a well-formed token nobody issued', `${'a'.repeat(32)}.${'b'.repeat(43)}`],
    ['an access token', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'],
  ])('refuses %s with 401 invalid_refresh_token', async (_name, refreshToken) => {
    expectProblem(await refresh(refreshToken), 401, 'invalid_refresh_token');
  });

  it("refuses another user's id with a stolen secret (the id in the token scopes the lookup)", async () => {
    const victim = await signedIn();
    const attacker = await t.makeUser();
    const forged = `${attacker.id.replace(/-/g, '')}.${victim.tokens.refreshToken.split('.')[1]}`;

    expectProblem(await refresh(forged), 401, 'invalid_refresh_token');
    expect((await refresh(victim.tokens.refreshToken)).statusCode).toBe(200);
  });

  it('refuses a session whose tenant the user was removed from with 403 not_a_member, and rotates nothing', async () => {
    const { user, tenant, tokens } = await signedIn();
    await t.owner.query('delete from memberships where tenant_id = $1 and user_id = $2', [tenant.id, user.id]);

    expectProblem(await refresh(tokens.refreshToken), 403, 'not_a_member');
    expect(await familyRows(user.id)).toEqual([{ active_tenant_id: tenant.id, rotated: false, revoked: false }]);
  });

  it('refuses a body with extra fields (400)', async () => {
    const { tokens } = await signedIn();
    expectProblem(await post('/auth/refresh', { refreshToken: tokens.refreshToken, tenantId: tokens.tenant.id }), 400, 'validation_failed');
  });
});

describe('POST /api/v1/auth/logout', () => {
  it('revokes the session: 204, then its refresh token and its access tokens are refused', async () => {
    const { user, tenant, tokens } = await signedIn();
    const next = (await refresh(tokens.refreshToken)).json<SessionTokens>();

    const res = await post('/auth/logout', { refreshToken: next.refreshToken });

    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect((await familyRows(user.id)).map((r) => r.revoked)).toEqual([true, true]);
    expectProblem(await refresh(next.refreshToken), 401, 'invalid_refresh_token');
    expectProblem(await me(next.accessToken), 401, 'unauthenticated');
    const { rows } = await t.owner.query(`select actor_id from audit_events where tenant_id = $1 and action = 'auth.logout'`, [tenant.id]);
    expect(rows).toEqual([{ actor_id: user.id }]);
  });

  it('leaves the same user\'s other sessions alone', async () => {
    const { user, tenant, tokens } = await signedIn();
    const other = await t.login(user.email, DEFAULT_PASSWORD, tenant.slug, nextIp());

    expect((await post('/auth/logout', { refreshToken: tokens.refreshToken })).statusCode).toBe(204);

    expect((await me(other.accessToken)).statusCode).toBe(200);
    expect((await refresh(other.refreshToken)).statusCode).toBe(200);
  });

  it('answers 204 for an unknown or malformed token too (RFC 7009): it reveals nothing', async () => {
    expect((await post('/auth/logout', { refreshToken: `${'a'.repeat(32)}.${'b'.repeat(43)}` })).statusCode).toBe(204);
    expect((await post('/auth/logout', { refreshToken: 'garbage' })).statusCode).toBe(204);
  });
});

describe('POST /api/v1/auth/switch-tenant', () => {
  it("moves the session to another of the user's tenants: a new access token there and a rotated refresh token in the same family", async () => {
    const { user, tenant: a, tokens } = await signedIn('owner');
    const b = await t.makeTenant();
    await t.makeMember(b.id, 'member', user);

    const res = await post('/auth/switch-tenant', { tenantId: b.id }, bearer(tokens.accessToken));

    expect(res.statusCode).toBe(200);
    const switched = res.json<SessionTokens>();
    expect(switched.tenant).toEqual({ id: b.id, slug: b.slug, name: b.name, role: 'member' });
    expect((await me(switched.accessToken)).json()).toMatchObject({ tenant: { id: b.id }, role: 'member' });
    expect(await familyRows(user.id)).toEqual([
      { active_tenant_id: a.id, rotated: true, revoked: false },
      { active_tenant_id: b.id, rotated: false, revoked: false },
    ]);
    // The new refresh token stays in tenant B; the old one is now a rotated one.
    expect((await refresh(switched.refreshToken)).json<SessionTokens>().tenant.id).toBe(b.id);
    expectProblem(await refresh(tokens.refreshToken), 401, 'refresh_token_reused');
    const { rows } = await t.owner.query(`select actor_id, data from audit_events where tenant_id = $1 and action = 'auth.tenant_switched'`, [b.id]);
    expect(rows).toEqual([{ actor_id: user.id, data: { from: a.id } }]);
  });

  it.each<[string, (own: TestTenant, user: TestUser) => Promise<string>]>([
    ['a tenant the user is not a member of', async () => (await t.makeTenant()).id],
    [
      'a deleted tenant the user was a member of',
      async (_own, user) => {
        const gone = await t.makeTenant();
        await t.makeMember(gone.id, 'owner', user);
        await t.owner.query(`update tenants set status = 'deleted', deleted_at = now() where id = $1`, [gone.id]);
        return gone.id;
      },
    ],
    ['a tenant that does not exist', async () => '00000000-0000-4000-8000-00000000dead'],
  ])('refuses %s with 403 not_a_member, and nothing changes', async (_name, target) => {
    const { user, tenant, tokens } = await signedIn('owner');
    const tenantId = await target(tenant, user);
    const before = await familyRows(user.id);
    const memberships = async () => (await t.owner.query('select tenant_id, role from memberships where user_id = $1 order by 1', [user.id])).rows;
    const membershipsBefore = await memberships();

    const res = await post('/auth/switch-tenant', { tenantId }, bearer(tokens.accessToken));

    expectProblem(res, 403, 'not_a_member');
    expect(await familyRows(user.id)).toEqual(before);
    expect((await me(tokens.accessToken)).json()).toMatchObject({ tenant: { id: tenant.id } });
    expect((await refresh(tokens.refreshToken)).statusCode).toBe(200); // the session is intact
    expect(await memberships()).toEqual(membershipsBefore);
  });

  it.each([
    ['role', { role: 'owner' }],
    ['userId', { userId: '00000000-0000-4000-8000-000000000002' }],
    ['isPlatformAdmin', { isPlatformAdmin: true }],
  ])('refuses a body with an extra %s field (400), and nothing changes', async (_field, extra) => {
    const { user, tokens } = await signedIn('member');
    const b = await t.makeTenant();
    await t.makeMember(b.id, 'member', user);

    expectProblem(await post('/auth/switch-tenant', { tenantId: b.id, ...extra }, bearer(tokens.accessToken)), 400, 'validation_failed');
    expect((await familyRows(user.id)).map((r) => r.active_tenant_id)).toEqual([tokens.tenant.id]);
  });

  it('needs a signed-in session: 401 without a token, and 401 for a token that names no session (the guard refuses it)', async () => {
    const user = await t.makeUser();
    const a = await t.makeTenant();
    const b = await t.makeTenant();
    const member = await t.makeMember(a.id, 'owner', user);
    await t.makeMember(b.id, 'owner', user);

    expectProblem(await post('/auth/switch-tenant', { tenantId: b.id }), 401, 'unauthenticated');
    const noSession = mintToken({ sub: user.id, tid: a.id });
    expectProblem(await post('/auth/switch-tenant', { tenantId: b.id }, bearer(noSession)), 401, 'unauthenticated');
    expect((await post('/auth/switch-tenant', { tenantId: b.id }, member.auth)).statusCode).toBe(200);
  });

  it('is refused after sign-out (the access token died with its session)', async () => {
    const { user, tokens } = await signedIn('owner');
    const b = await t.makeTenant();
    await t.makeMember(b.id, 'owner', user);
    await post('/auth/logout', { refreshToken: tokens.refreshToken });

    expectProblem(await post('/auth/switch-tenant', { tenantId: b.id }, bearer(tokens.accessToken)), 401, 'unauthenticated');
  });

  it('lets a member of a suspended tenant switch to another tenant', async () => {
    const { user, tenant, tokens } = await signedIn('member');
    const b = await t.makeTenant();
    await t.makeMember(b.id, 'member', user);
    await t.owner.query(`update tenants set status = 'suspended', suspended_at = now() where id = $1`, [tenant.id]);

    const res = await post('/auth/switch-tenant', { tenantId: b.id }, bearer(tokens.accessToken));

    expect(res.statusCode).toBe(200);
    expect(res.json<SessionTokens>().tenant.id).toBe(b.id);
  });
});
