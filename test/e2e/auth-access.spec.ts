import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newApiKey } from '../../src/modules/auth/api-keys/api-key-format.js';
import type { SessionTokens } from '../../src/modules/auth/sessions/sessions.service.js';
import { tokenHash } from '../../src/platform/crypto/tokens.js';
import { bearer, createTestApp, DEFAULT_PASSWORD, expectProblem, mintToken, type TestApp } from '../support/http-app.js';

/**
 * Access follows the database, not the token: a removed member, a demoted admin or a suspended
 * tenant loses access on the next request, while the access token is still unexpired.
 */

let t: TestApp;
let ipCounter = 0;
const nextIp = (): string => `10.3.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;

beforeAll(async () => {
  t = await createTestApp();
});

afterAll(async () => {
  await t?.close();
});

const getTenant = (accessToken: string) => t.inject({ method: 'GET', url: '/api/v1/tenant', headers: bearer(accessToken) });
const renameTenant = (accessToken: string, name: string) =>
  t.inject({ method: 'PATCH', url: '/api/v1/tenant', headers: bearer(accessToken), payload: { name } });

async function signedIn(role: 'owner' | 'admin' | 'billing' | 'member'): Promise<{ userId: string; tenantId: string; tokens: SessionTokens; factorySession: string }> {
  const user = await t.makeUser();
  const tenant = await t.makeTenant();
  const { sessionId } = await t.makeMember(tenant.id, role, user);
  return { userId: user.id, tenantId: tenant.id, tokens: await t.login(user.email, DEFAULT_PASSWORD, undefined, nextIp()), factorySession: sessionId };
}

describe('a removed member', () => {
  it("is refused (401) on the next request with a still-valid access token, and cannot refresh", async () => {
    const { userId, tenantId, tokens } = await signedIn('admin');
    expect((await getTenant(tokens.accessToken)).statusCode).toBe(200);

    await t.owner.query('delete from memberships where tenant_id = $1 and user_id = $2', [tenantId, userId]);

    expectProblem(await getTenant(tokens.accessToken), 401, 'unauthenticated');
    expectProblem(await t.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(tokens.accessToken) }), 401, 'unauthenticated');
    expectProblem(
      await t.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: tokens.refreshToken } }),
      403,
      'not_a_member',
    );
  });
});

describe('a demoted admin', () => {
  it('loses admin permissions at once, with the same access token', async () => {
    const { userId, tenantId, tokens } = await signedIn('admin');
    expect((await renameTenant(tokens.accessToken, 'Renamed by an admin')).statusCode).toBe(200);

    await t.owner.query(`update memberships set role = 'member' where tenant_id = $1 and user_id = $2`, [tenantId, userId]);

    expectProblem(await renameTenant(tokens.accessToken, 'Renamed by a member'), 403, 'forbidden');
    expect((await getTenant(tokens.accessToken)).json()).toMatchObject({ name: 'Renamed by an admin' });
    expect((await t.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(tokens.accessToken) })).json()).toMatchObject({ role: 'member' });
  });

  it('is not rescued by a roles claim in the token: roles come from the membership only', async () => {
    const tenant = await t.makeTenant();
    const member = await t.makeMember(tenant.id, 'member');
    const claimsOwner = mintToken({ sub: member.id, tid: tenant.id, sid: member.sessionId, roles: ['owner', 'admin'] });

    expectProblem(await renameTenant(claimsOwner, 'Escalated'), 403, 'forbidden');
  });
});

describe('a suspended tenant', () => {
  it('answers 403 tenant_suspended on GET /api/v1/tenant at once, while /me still works', async () => {
    const { tenantId, tokens } = await signedIn('owner');
    expect((await getTenant(tokens.accessToken)).statusCode).toBe(200);

    await t.owner.query(`update tenants set status = 'suspended', suspended_at = now() where id = $1`, [tenantId]);

    expectProblem(await getTenant(tokens.accessToken), 403, 'tenant_suspended');
    const me = await t.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(tokens.accessToken) });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ tenant: { id: tenantId, status: 'suspended' } });
  });

  it('answers 403 tenant_deleted once the tenant is deleted, and its sessions cannot refresh', async () => {
    const { tenantId, tokens } = await signedIn('owner');

    await t.owner.query(`update tenants set status = 'deleted', deleted_at = now() where id = $1`, [tenantId]);

    expectProblem(await getTenant(tokens.accessToken), 403, 'tenant_deleted');
    expectProblem(
      await t.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: tokens.refreshToken } }),
      403,
      'not_a_member',
    );
  });
});

describe('the platform flag', () => {
  it('is read from the user row on every request, never from a claim', async () => {
    const { userId, tokens } = await signedIn('member');
    const meOf = async () => (await t.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(tokens.accessToken) })).json();
    expect(await meOf()).toMatchObject({ user: { isPlatformAdmin: false } });

    await t.owner.query('update users set is_platform_admin = true where id = $1', [userId]);
    expect(await meOf()).toMatchObject({ user: { isPlatformAdmin: true } });
    await t.owner.query('update users set is_platform_admin = false where id = $1', [userId]);
    expect(await meOf()).toMatchObject({ user: { isPlatformAdmin: false } });
  });
});

describe('an API key', () => {
  it("is no user session: /me and switch-tenant answer 403 session_required, even for a key made by a member of both tenants", async () => {
    const { userId, tenantId, factorySession } = await signedIn('owner');
    const other = await t.makeTenant();
    await t.owner.query('insert into memberships (tenant_id, user_id, role) values ($1, $2, $3)', [other.id, userId, 'owner']);
    const key = newApiKey(tenantId);
    await t.owner.query('insert into api_keys (tenant_id, name, prefix, key_hash, scopes, created_by) values ($1, $2, $3, $4, $5, $6)', [
      tenantId,
      'ci',
      key.prefix,
      Buffer.from(tokenHash(key.raw)),
      ['tenant:read', 'members:read'],
      userId,
    ]);
    const headers = { 'x-api-key': key.raw };
    expect((await t.inject({ method: 'GET', url: '/api/v1/tenant', headers })).statusCode).toBe(200); // the key works

    expectProblem(await t.inject({ method: 'GET', url: '/api/v1/me', headers }), 403, 'session_required');
    expectProblem(
      await t.inject({ method: 'POST', url: '/api/v1/auth/switch-tenant', headers, payload: { tenantId: other.id } }),
      403,
      'session_required',
    );
    const { rows } = await t.owner.query('select count(*)::int as n from refresh_tokens where user_id = $1 and family_id <> $2', [userId, factorySession]);
    expect(rows).toEqual([{ n: 1 }]); // only the sign-in's (beside the factory's session of makeMember)
  });
});
