import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { createApp } from '../../src/bootstrap.js';
import { bearer, createTestApp, mintToken, openTestSession, type TestApp, type TestTenant } from '../support/http-app.js';

/**
 * What the hot path's shortcuts (docs/adr/0018) must never cost: access decided on the NEXT
 * request after a change, even when another instance made it, and no tenant's data served to
 * another. Two application instances share one database and one Redis, as two replicas do.
 */

type Inject = (opts: InjectOptions) => Promise<LightMyRequestResponse>;

let t: TestApp;
let second: NestFastifyApplication;
/** Instance A (t.inject) serves the requests; instance B makes the changes. */
let injectA: Inject;
let injectB: Inject;

beforeAll(async () => {
  t = await createTestApp();
  second = await createApp(t.config);
  await second.init();
  const fastifyB = second.getHttpAdapter().getInstance();
  await fastifyB.ready();
  injectA = (opts) => t.inject(opts);
  injectB = (opts) => fastifyB.inject(opts);
});

afterAll(async () => {
  await second?.close();
  await t?.close();
});

async function widgetTenant(welcome: string, model = 'mock-2', chatPer10s = 1000): Promise<TestTenant> {
  const tenant = await t.makeTenant();
  await t.owner.query('update tenants set limit_overrides = $2 where id = $1', [tenant.id, { chat_per_10s: chatPer10s }]);
  await t.owner.query('insert into assistant_configs (tenant_id, model, welcome_message, widget_enabled) values ($1, $2, $3, true)', [tenant.id, model, welcome]);
  return tenant;
}

const post = (inject: Inject, url: string, payload: Record<string, unknown>, headers: Record<string, string> = {}) => inject({ method: 'POST', url, payload, headers });

async function sessionOf(inject: Inject, tenant: TestTenant): Promise<string> {
  const res = await post(inject, '/session', { tenant_id: tenant.slug });
  expect(res.statusCode).toBe(200);
  return res.json<{ session_id: string }>().session_id;
}

describe('access is decided on the next request, whichever instance made the change', () => {
  it('a removed member is refused by instance A right after an admin removed them through instance B', async () => {
    const tenant = await t.makeTenant();
    const owner = await t.makeMember(tenant.id, 'owner');
    const member = await t.makeMember(tenant.id, 'member');
    expect((await injectA({ method: 'GET', url: '/api/v1/conversations', headers: member.auth })).statusCode).toBe(200);

    const removed = await injectB({ method: 'DELETE', url: `/api/v1/members/${member.id}`, headers: owner.auth });
    expect(removed.statusCode).toBe(204);

    expect((await injectA({ method: 'GET', url: '/api/v1/conversations', headers: member.auth })).statusCode).toBe(401);
  });

  it('a demoted admin loses the admin permission at instance A right after the owner demoted them through instance B', async () => {
    const tenant = await t.makeTenant();
    const owner = await t.makeMember(tenant.id, 'owner');
    const admin = await t.makeMember(tenant.id, 'admin');
    const rename = (name: string) => injectA({ method: 'PATCH', url: '/api/v1/tenant', payload: { name }, headers: admin.auth });
    expect((await rename('Renamed by the admin')).statusCode).toBe(200);

    const demoted = await injectB({ method: 'PATCH', url: `/api/v1/members/${admin.id}`, payload: { role: 'member' }, headers: owner.auth });
    expect(demoted.statusCode).toBe(200);

    expect((await rename('Renamed again')).statusCode).toBe(403);
  });

  // Instance A caches each principal (docs/adr/0018): the first request of each test below fills
  // A's cache, so only the invalidation that B's change announces can make A refuse the next one.
  it("a tenant suspended by a platform admin through instance B refuses its members and keys at instance A on the next request", async () => {
    const staffTenant = await t.makeTenant();
    const staff = await t.makeMember(staffTenant.id, 'member', await t.makeUser({ platformAdmin: true }));
    const tenant = await t.makeTenant();
    const admin = await t.makeMember(tenant.id, 'admin');
    const key = await injectA({ method: 'POST', url: '/api/v1/api-keys', payload: { name: 'ci', scopes: ['tenant:read'] }, headers: admin.auth });
    expect(key.statusCode).toBe(201);
    const keyAuth = { 'x-api-key': key.json<{ key: string }>().key };
    for (const auth of [admin.auth, keyAuth]) expect((await injectA({ method: 'GET', url: '/api/v1/tenant', headers: auth })).statusCode).toBe(200);

    expect((await injectB({ method: 'POST', url: `/api/v1/admin/tenants/${tenant.id}/suspend`, headers: staff.auth, payload: { reason: 'abuse report (test)' } })).statusCode).toBe(200);

    for (const auth of [admin.auth, keyAuth]) {
      const refused = await injectA({ method: 'GET', url: '/api/v1/tenant', headers: auth });
      expect({ status: refused.statusCode, code: refused.json<{ code: string }>().code }).toEqual({ status: 403, code: 'tenant_suspended' });
    }
  });

  it('an API key revoked through instance B is refused by instance A on the next request', async () => {
    const tenant = await t.makeTenant();
    const admin = await t.makeMember(tenant.id, 'admin');
    const created = await injectA({ method: 'POST', url: '/api/v1/api-keys', payload: { name: 'ci', scopes: ['tenant:read'] }, headers: admin.auth });
    const { id, key } = created.json<{ id: string; key: string }>();
    expect((await injectA({ method: 'GET', url: '/api/v1/tenant', headers: { 'x-api-key': key } })).statusCode).toBe(200);

    expect((await injectB({ method: 'DELETE', url: `/api/v1/api-keys/${id}`, headers: admin.auth })).statusCode).toBe(204);

    expect((await injectA({ method: 'GET', url: '/api/v1/tenant', headers: { 'x-api-key': key } })).statusCode).toBe(401);
  });

  it('a session signed out through instance B is refused by instance A on the next request, and the other session is not', async () => {
    const tenant = await t.makeTenant();
    const member = await t.makeMember(tenant.id, 'member');
    const otherSession = await openTestSession(t.owner, member.id, tenant.id);
    const other = bearer(mintToken({ sub: member.id, tid: tenant.id, sid: otherSession }));
    for (const auth of [member.auth, other]) expect((await injectA({ method: 'GET', url: '/api/v1/me', headers: auth })).statusCode).toBe(200);

    expect((await injectB({ method: 'DELETE', url: `/api/v1/me/sessions/${member.sessionId}`, headers: other })).statusCode).toBe(204);

    expect((await injectA({ method: 'GET', url: '/api/v1/me', headers: member.auth })).statusCode).toBe(401);
    expect((await injectA({ method: 'GET', url: '/api/v1/me', headers: other })).statusCode).toBe(200);
  });

  it('a member removed through instance B, then invited back, is admitted again at instance A (a cached refusal is invalidated too)', async () => {
    const tenant = await t.makeTenant();
    const owner = await t.makeMember(tenant.id, 'owner');
    const member = await t.makeMember(tenant.id, 'member');
    expect((await injectB({ method: 'DELETE', url: `/api/v1/members/${member.id}`, headers: owner.auth })).statusCode).toBe(204);
    expect((await injectA({ method: 'GET', url: '/api/v1/me', headers: member.auth })).statusCode).toBe(401); // cached at A

    await t.owner.query(`insert into memberships (tenant_id, user_id, role) values ($1, $2, 'member')`, [tenant.id, member.id]); // announced, as any tool must

    expect((await injectA({ method: 'GET', url: '/api/v1/me', headers: member.auth })).statusCode).toBe(200);
  });

  it("a suspended tenant's widget stops answering at instance A on the next request, though A keeps the slug in memory", async () => {
    const tenant = await widgetTenant('Hi from the soon suspended.');
    const session = await sessionOf(injectA, tenant);
    expect((await post(injectA, '/chat', { tenant_id: tenant.slug, session_id: session, message: 'hello' })).statusCode).toBe(200);

    await t.owner.query(`update tenants set status = 'suspended' where id = $1`, [tenant.id]); // as any instance's suspension commits it

    const refused = await post(injectA, '/chat', { tenant_id: tenant.slug, session_id: session, message: 'hello' });
    expect({ status: refused.statusCode, body: refused.json() }).toEqual({ status: 404, body: { detail: 'Unknown tenant' } });
    expect((await post(injectA, '/session', { tenant_id: tenant.slug })).statusCode).toBe(404);
  });

  it('a widget switched off through instance B answers no further request at instance A', async () => {
    const tenant = await widgetTenant('Hi, widget about to be switched off.');
    const admin = await t.makeMember(tenant.id, 'admin');
    const session = await sessionOf(injectA, tenant);
    expect((await post(injectA, '/chat', { tenant_id: tenant.slug, session_id: session, message: 'hello' })).statusCode).toBe(200);

    const off = await injectB({ method: 'PATCH', url: '/api/v1/assistant', payload: { widgetEnabled: false }, headers: admin.auth });
    expect(off.statusCode).toBe(200);

    expect((await post(injectA, '/chat', { tenant_id: tenant.slug, session_id: session, message: 'hello' })).statusCode).toBe(404);
  });
});

describe("no tenant's data is served to another", () => {
  it('interleaved widget requests of several tenants on one instance each get their own tenant\'s assistant, and are stored in it', async () => {
    const tenants = [await widgetTenant('Welcome to Alpha.', 'mock-1'), await widgetTenant('Welcome to Beta.', 'mock-2'), await widgetTenant('Welcome to Gamma.', 'mock-3')];
    const sessions = await Promise.all(tenants.map((tenant) => sessionOf(injectA, tenant)));
    const rounds = 6;

    // All in flight at once, tenants interleaved: every request shares the process's caches with the others.
    const answers = await Promise.all(
      Array.from({ length: rounds * tenants.length }, (_, i) => {
        const k = i % tenants.length;
        return post(injectA, '/chat', { tenant_id: tenants[k]!.slug, session_id: sessions[k], message: `message ${i}` }).then((res) => ({ k, i, res }));
      }),
    );

    for (const { k, i, res } of answers) {
      expect(res.statusCode).toBe(200);
      const body = res.json<{ tenant_id: string; reply: string; model: string }>();
      const welcome = ['Welcome to Alpha.', 'Welcome to Beta.', 'Welcome to Gamma.'][k]!;
      expect(body).toMatchObject({ tenant_id: tenants[k]!.slug, model: ['mock-1', 'mock-2', 'mock-3'][k] });
      expect(body.reply.startsWith(welcome)).toBe(true);
      expect(body.reply.toLowerCase()).toContain(`message ${i}`);
    }
    for (const [k, tenant] of tenants.entries()) {
      const { rows } = await t.owner.query<{ tenant_id: string; n: number }>(
        `select tenant_id, count(*)::int as n from messages where content like $1 || '%' group by tenant_id`,
        [['Welcome to Alpha.', 'Welcome to Beta.', 'Welcome to Gamma.'][k]],
      );
      expect(rows).toEqual([{ tenant_id: tenant.id, n: rounds }]);
    }
  });

  it("interleaved authenticated requests of one user in several tenants each act with that tenant's role and see that tenant's data only", async () => {
    const user = await t.makeUser();
    const roles = ['owner', 'member', 'admin'] as const;
    const tenants = await Promise.all(roles.map(() => t.makeTenant()));
    const members = await Promise.all(tenants.map((tenant, k) => t.makeMember(tenant.id, roles[k]!, user)));
    const conversations = await Promise.all(
      members.map(async (m) => {
        const made = await injectA({ method: 'POST', url: '/api/v1/conversations', payload: {}, headers: m.auth });
        expect(made.statusCode).toBe(201);
        return made.json<{ id: string }>().id;
      }),
    );

    // All in flight at once, tenants interleaved, the cache warm after the first round.
    const answers = await Promise.all(
      Array.from({ length: 5 * tenants.length }, (_, i) => {
        const k = i % tenants.length;
        const url = i % 2 === 0 ? '/api/v1/conversations' : '/api/v1/me';
        return injectA({ method: 'GET', url, headers: members[k]!.auth }).then((res) => ({ k, url, res }));
      }),
    );
    for (const { k, url, res } of answers) {
      expect(res.statusCode).toBe(200);
      if (url === '/api/v1/conversations') {
        expect(res.json<{ data: Array<{ id: string }> }>().data.map((c) => c.id)).toEqual([conversations[k]]);
      } else {
        const me = res.json<{ tenant: { id: string }; role: string; permissions: string[] }>();
        expect({ tenant: me.tenant.id, role: me.role }).toEqual({ tenant: tenants[k]!.id, role: roles[k] });
      }
    }
    // The member's token (not admin) is refused an admin route, whatever the others' cached roles.
    const rename = await injectA({ method: 'PATCH', url: '/api/v1/tenant', payload: { name: 'Not allowed' }, headers: members[1]!.auth });
    expect(rename.statusCode).toBe(403);
  });

  it("one tenant's limit, read from memory, is never applied to another (each tenant's own, in Redis)", async () => {
    const strict = await widgetTenant('Strict.', 'mock-2', 1);
    const lenient = await widgetTenant('Lenient.', 'mock-2', 1000);
    const [s1, s2] = [await sessionOf(injectA, strict), await sessionOf(injectA, lenient)];

    expect((await post(injectA, '/chat', { tenant_id: strict.slug, session_id: s1, message: 'one' })).statusCode).toBe(200);
    expect((await post(injectA, '/chat', { tenant_id: strict.slug, session_id: s1, message: 'two' })).statusCode).toBe(429);
    for (let i = 0; i < 3; i++) expect((await post(injectA, '/chat', { tenant_id: lenient.slug, session_id: s2, message: `m${i}` })).statusCode).toBe(200);
  });
});
