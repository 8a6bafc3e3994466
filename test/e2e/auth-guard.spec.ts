import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { bearer, createTestApp, expectProblem, mintToken, type TestApp, type TestMember, type TestTenant } from '../support/http-app.js';
import { TEST_JWT_SECRET } from '../support/database.js';
import jwt from 'jsonwebtoken';

/**
 * The global TenantAuthGuard against forged, altered and misdirected access tokens, through the
 * whole HTTP stack. Every rejection is a 401 problem (with WWW-Authenticate: Bearer); a valid
 * token without the route's permission is a 403 problem. A token authenticates only a real member
 * of its tenant, whose role (and so permissions) is read from the membership, never from the token.
 */

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const decodePart = (part: string): Record<string, unknown> => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

/** Rewrites a signed token's header and/or payload, optionally re-signing with HMAC-SHA256. */
function forge(token: string, edit: { header?: Record<string, unknown>; payload?: Record<string, unknown>; resignWith?: string }): string {
  const [h, p, signature] = token.split('.');
  const header = b64url({ ...decodePart(h!), ...edit.header });
  const payload = edit.payload ? b64url({ ...decodePart(p!), ...edit.payload }) : p!;
  const sig = edit.resignWith ? createHmac('sha256', edit.resignWith).update(`${header}.${payload}`).digest('base64url') : signature!;
  return `${header}.${payload}.${sig}`;
}

let t: TestApp;
let tenantA: TestTenant;
let tenantB: TestTenant;
/** A member of A, a member of B, and an admin of A. */
let memberA: TestMember;
let memberB: TestMember;
let adminA: TestMember;

beforeAll(async () => {
  t = await createTestApp();
  tenantA = await t.makeTenant({ displayName: 'Alpha Ltd' });
  tenantB = await t.makeTenant({ displayName: 'Beta GmbH' });
  memberA = await t.makeMember(tenantA.id, 'member');
  memberB = await t.makeMember(tenantB.id, 'member');
  adminA = await t.makeMember(tenantA.id, 'admin');
});

/** A token for the member of A (or B), as sign-in would issue it. */
const tokenA = (claims: Record<string, unknown> = {}, options: Parameters<typeof mintToken>[1] = {}): string =>
  mintToken({ sub: memberA.id, tid: tenantA.id, sid: memberA.sessionId, ...claims }, options);
const tokenB = (): string => mintToken({ sub: memberB.id, tid: tenantB.id, sid: memberB.sessionId });

/** A token signed with the right key whose payload is exactly `payload` (no exp unless given). */
const signedExactly = (payload: Record<string, unknown>): string =>
  jwt.sign(payload, TEST_JWT_SECRET, { algorithm: 'HS256', noTimestamp: false });

afterAll(async () => {
  await t?.close();
});

const getTenant = (headers: Record<string, string> = {}) => t.inject({ method: 'GET', url: '/api/v1/tenant', headers });

describe('GET /api/v1/tenant with a valid token', () => {
  it("returns the token's tenant with its settings", async () => {
    const res = await getTenant(bearer(tokenA()));

    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({
      id: tenantA.id,
      slug: tenantA.slug,
      name: tenantA.name,
      status: 'active',
      createdAt: expect.any(String),
      settings: { displayName: 'Alpha Ltd', locale: 'en', timezone: 'UTC', supportEmail: null },
    });
  });

  it("never answers with another tenant's data, even under concurrent requests", async () => {
    const tokens = { [tenantA.id]: tokenA(), [tenantB.id]: tokenB() };
    const asked = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? tenantA.id : tenantB.id));

    const answers = await Promise.all(asked.map((tid) => getTenant(bearer(tokens[tid]!))));

    expect(answers.map((r) => r.statusCode)).toEqual(asked.map(() => 200));
    expect(answers.map((r) => r.json<{ id: string }>().id)).toEqual(asked);
    expect(answers.map((r) => r.json<{ settings: { displayName: string } }>().settings.displayName)).toEqual(
      asked.map((tid) => (tid === tenantA.id ? 'Alpha Ltd' : 'Beta GmbH')),
    );
  });

  it("grants the 'member' role tenant:read", async () => {
    const res = await getTenant(bearer(tokenB()));

    expect(res.statusCode).toBe(200);
    expect(res.json<{ id: string }>().id).toBe(tenantB.id);
  });

  it('ignores a roles claim, whatever it says: no roles, empty, or unknown roles still read as the member they are', async () => {
    for (const claims of [{ roles: undefined }, { roles: [] }, { roles: ['superuser', 'root'] }]) {
      expect((await getTenant(bearer(tokenA(claims, { noDefaultRoles: true })))).statusCode).toBe(200);
    }
  });
});

describe('GET /api/v1/tenant rejects with 401', () => {
  const valid = (): string => tokenA();

  const cases: Array<[string, () => Record<string, string>]> = [
    ['no Authorization header', () => ({})],
    ['a non-Bearer scheme', () => ({ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` })],
    ['a Bearer header with garbage', () => bearer('not.a.jwt')],
    ['an alg:none token (unsigned)', () => bearer(`${b64url({ alg: 'none', typ: 'JWT' })}.${valid().split('.')[1]}.`)],
    ['an alg:none token keeping the original signature', () => bearer(forge(valid(), { header: { alg: 'none' } }))],
    ['a token signed with another key', () => bearer(tokenA({}, { secret: 'x'.repeat(48) }))],
    ['HS512 with the right key (algorithm is pinned to HS256)', () => bearer(tokenA({}, { algorithm: 'HS512' }))],
    ['HS384 with the right key', () => bearer(tokenA({}, { algorithm: 'HS384' }))],
    ['header alg switched to RS256, signature kept', () => bearer(forge(valid(), { header: { alg: 'RS256' } }))],
    [
      'header alg RS256 with an HMAC made with the secret (key confusion)',
      () => bearer(forge(valid(), { header: { alg: 'RS256' }, resignWith: TEST_JWT_SECRET })),
    ],
    ['an expired token', () => bearer(tokenA({}, { expiresIn: -120 }))],
    ['a wrong issuer', () => bearer(tokenA({}, { issuer: 'evil-issuer' }))],
    ['a wrong audience', () => bearer(tokenA({}, { audience: 'another-api' }))],
    ['a payload whose tid was changed to tenant B, signature kept', () => bearer(forge(valid(), { payload: { tid: tenantB.id } }))],
    ['a payload whose sub was changed to the admin, signature kept', () => bearer(forge(valid(), { payload: { sub: adminA.id } }))],
    ['a payload whose roles were raised to owner, signature kept', () => bearer(forge(valid(), { payload: { roles: ['owner'] } }))],
    ['a token of another type (typ: refresh)', () => bearer(tokenA({ typ: 'refresh' }))],
    ['a tid that is not a uuid', () => bearer(tokenA({ tid: 'tenant-a' }))],
    ['a token without sub', () => bearer(tokenA({ sub: undefined }))],
    ['a validly signed token for a user who is a member of no tenant', () => bearer(mintToken({ tid: tenantA.id }))],
    ["a validly signed token for A's member, naming tenant B", () => bearer(tokenA({ tid: tenantB.id }))],
    ['a validly signed token naming a session that does not exist', () => bearer(tokenA({ sid: '00000000-0000-4000-8000-000000000000' }))],
    ['a validly signed token whose session id is not a uuid', () => bearer(tokenA({ sid: 'session-1' }))],
    ['a validly signed token without sid (it would survive signing out)', () => bearer(tokenA({ sid: undefined }))],
    [
      'a validly signed token without exp (it would never end)',
      () => bearer(signedExactly({ sub: memberA.id, tid: tenantA.id, sid: memberA.sessionId, typ: 'access', iss: 'tenantry', aud: 'tenantry-api' })),
    ],
  ];

  it.each(cases)('%s', async (_name, headers) => {
    const res = await getTenant(headers());

    const body = expectProblem(res, 401, 'unauthenticated');
    expect(JSON.stringify(body)).not.toContain(tenantA.slug);
    expect(JSON.stringify(body)).not.toContain(tenantB.slug);
  });

  it('the unaltered token of the tampering cases is itself accepted (the forgery, not the token, is refused)', async () => {
    const token = tokenA();
    expect((await getTenant(bearer(token))).statusCode).toBe(200);
    expect((await getTenant(bearer(forge(token, {})))).statusCode).toBe(200);
  });
});

describe('a route without the permission', () => {
  const rename = (token: string) => t.inject({ method: 'PATCH', url: '/api/v1/tenant', headers: bearer(token), payload: { name: 'Renamed' } });

  it.each<[string, () => string]>([
    ['a member (settings:update is for admins)', () => tokenA()],
    ['a member whose token claims the owner role', () => tokenA({ roles: ['owner'] })],
    ['a member whose token claims every permission', () => tokenA({ permissions: ['settings:update'], roles: ['admin'] })],
  ])('is 403 forbidden for %s', async (_name, token) => {
    const res = await rename(token());

    const body = expectProblem(res, 403, 'forbidden');
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(JSON.stringify(body)).not.toContain(tenantA.slug);
    expect((await getTenant(bearer(tokenA()))).json()).toMatchObject({ name: tenantA.name });
  });

  it("is allowed for the tenant's admin (the same request, the role from the membership)", async () => {
    const res = await rename(adminA.token);

    expect(res.statusCode).toBe(200);
    await t.owner.query('update tenants set name = $2 where id = $1', [tenantA.id, tenantA.name]);
  });
});
