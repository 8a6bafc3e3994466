import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { createApp } from '../../src/bootstrap.js';
import { createTestApp, type TestApp, type TestTenant } from '../support/http-app.js';

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

  it("one tenant's limit, read from memory, is never applied to another (each tenant's own, in Redis)", async () => {
    const strict = await widgetTenant('Strict.', 'mock-2', 1);
    const lenient = await widgetTenant('Lenient.', 'mock-2', 1000);
    const [s1, s2] = [await sessionOf(injectA, strict), await sessionOf(injectA, lenient)];

    expect((await post(injectA, '/chat', { tenant_id: strict.slug, session_id: s1, message: 'one' })).statusCode).toBe(200);
    expect((await post(injectA, '/chat', { tenant_id: strict.slug, session_id: s1, message: 'two' })).statusCode).toBe(429);
    for (let i = 0; i < 3; i++) expect((await post(injectA, '/chat', { tenant_id: lenient.slug, session_id: s2, message: `m${i}` })).statusCode).toBe(200);
  });
});
