import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Module } from '@nestjs/common';
import pg from 'pg';
import { TenantContext } from '../../src/platform/context/tenant-context.js';
import { RequirePermission } from '../../src/platform/security/decorators.js';
import type { Role } from '../../src/platform/security/permissions.js';
import { bearer, createTestApp, expectProblem, mintToken, openTestSession, type TestApp, type TestTenant } from '../support/http-app.js';
import { ownerPool } from '../support/owner-pool.js';

/**
 * API keys end to end: created by whoever holds api-keys:manage, with scopes drawn from the
 * creator's own permissions, shown once, stored hashed, revocable, expiring, and acting inside
 * their own tenant only, with exactly their scopes.
 */

/** Test-only: who the guard says the caller is. */
@Controller('test/whoami')
class WhoAmIController {
  constructor(private readonly ctx: TenantContext) {}

  @Get()
  @RequirePermission('tenant:read')
  get(): Record<string, unknown> {
    const c = this.ctx.current();
    return { tenantId: c?.tenantId, userId: c?.userId ?? null, apiKeyId: c?.apiKeyId ?? null, actor: c?.actor, permissions: c?.permissions };
  }
}

@Module({ controllers: [WhoAmIController] })
class WhoAmIModule {}

interface Member {
  userId: string;
  token: string;
}

interface CreatedKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  expiresAt: string | null;
  createdAt: string;
  key: string;
}

let t: TestApp;
let owner: pg.Pool;
let tenantA: TestTenant;
let tenantB: TestTenant;
let adminA: Member;
let adminB: Member;

/** A user with a membership (role) in the tenant, and an access token for it. */
async function makeMember(tenantId: string, role: Role): Promise<Member> {
  const userId = randomUUID();
  await owner.query('insert into users (id, email, name) values ($1, $2, $3)', [userId, `${userId}@example.test`, `User ${role}`]);
  await owner.query('insert into memberships (tenant_id, user_id, role) values ($1, $2, $3)', [tenantId, userId, role]);
  return { userId, token: mintToken({ sub: userId, tid: tenantId, sid: await openTestSession(owner, userId, tenantId), typ: 'access' }) };
}

const post = (headers: Record<string, string>, payload: unknown) => t.inject({ method: 'POST', url: '/api/v1/api-keys', headers, payload: payload as object });
const list = (headers: Record<string, string>, query = '') => t.inject({ method: 'GET', url: `/api/v1/api-keys${query}`, headers });
const revoke = (headers: Record<string, string>, id: string) => t.inject({ method: 'DELETE', url: `/api/v1/api-keys/${id}`, headers });
const getTenant = (headers: Record<string, string>) => t.inject({ method: 'GET', url: '/api/v1/tenant', headers });
const apiKey = (key: string): Record<string, string> => ({ 'x-api-key': key });

async function createKey(member: Member, body: Record<string, unknown> = {}): Promise<CreatedKey> {
  const res = await post(bearer(member.token), { name: 'ci', scopes: ['tenant:read'], ...body });
  expect(res.statusCode).toBe(201);
  return res.json<CreatedKey>();
}

async function keyRow(id: string): Promise<Record<string, unknown>> {
  const { rows } = await owner.query('select * from api_keys where id = $1', [id]);
  return rows[0] as Record<string, unknown>;
}

async function auditEventsFor(targetId: string): Promise<Array<Record<string, unknown>>> {
  const { rows } = await owner.query('select * from audit_events where target_id = $1 order by seq', [targetId]);
  return rows as Array<Record<string, unknown>>;
}

beforeAll(async () => {
  t = await createTestApp({ imports: [WhoAmIModule] });
  owner = ownerPool(t.database.ownerUrl, t.config.env);
  owner.on('error', () => undefined);
  tenantA = await t.makeTenant({ displayName: 'Alpha' });
  tenantB = await t.makeTenant({ displayName: 'Beta' });
  adminA = await makeMember(tenantA.id, 'admin');
  adminB = await makeMember(tenantB.id, 'admin');
});

afterAll(async () => {
  await owner?.end();
  await t?.close();
});

describe('POST /api/v1/api-keys', () => {
  it('returns the raw key once, with its visible prefix, and stores only its sha256', async () => {
    const res = await post({ ...bearer(adminA.token), 'user-agent': 'key-test/1.0' }, { name: 'CI deploys', scopes: ['usage:read', 'tenant:read'] });

    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json<CreatedKey>();
    expect(body).toEqual({
      id: expect.any(String),
      name: 'CI deploys',
      prefix: expect.stringMatching(/^tnry_[A-Za-z0-9_-]{8}$/),
      scopes: ['tenant:read', 'usage:read'],
      expiresAt: null,
      rateLimitPerMinute: null,
      createdAt: expect.any(String),
      key: expect.stringMatching(/^tnry_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/),
    });
    expect(body.key).toContain(`_${body.prefix.slice('tnry_'.length)}`);
    expect(body.key).toContain(tenantA.id.replace(/-/g, ''));

    const row = await keyRow(body.id);
    expect(row).toMatchObject({ tenant_id: tenantA.id, created_by: adminA.userId, prefix: body.prefix, revoked_at: null });
    expect(Buffer.from(row.key_hash as Buffer).equals(createHash('sha256').update(body.key).digest())).toBe(true);
    expect(JSON.stringify(row)).not.toContain(body.key.slice(-43));
  });

  it('audits the creation with actor, target and request details, and no secret', async () => {
    const created = await post({ ...bearer(adminA.token), 'user-agent': 'audit-probe/2.0' }, { name: 'audited', scopes: ['tenant:read'] });
    const key = created.json<CreatedKey>();

    const events = await auditEventsFor(key.id);

    expect(events).toEqual([
      expect.objectContaining({
        tenant_id: tenantA.id,
        action: 'api_key.created',
        actor_type: 'user',
        actor_id: adminA.userId,
        target_type: 'api_key',
        target_id: key.id,
        ip: '127.0.0.1',
        user_agent: 'audit-probe/2.0',
        data: { name: 'audited', prefix: key.prefix, scopes: ['tenant:read'], expiresAt: null, rateLimitPerMinute: null },
      }),
    ]);
    expect(JSON.stringify(events)).not.toContain(key.key.slice(-43));
  });

  it('accepts an expiry in the future', async () => {
    const expiresAt = new Date(Date.now() + 7 * 86_400_000).toISOString();

    const key = await createKey(adminA, { expiresAt });

    expect(key.expiresAt).toBe(expiresAt);
  });

  it.each([
    ['in the past', new Date(Date.now() - 1000).toISOString()],
    ['more than a year ahead', new Date(Date.now() + 367 * 86_400_000).toISOString()],
  ])('refuses an expiry %s with 400 invalid_expiry', async (_, expiresAt) => {
    const res = await post(bearer(adminA.token), { name: 'bad expiry', scopes: ['tenant:read'], expiresAt });

    expect(expectProblem(res, 400, 'invalid_expiry')).toMatchObject({ field: 'expiresAt' });
  });

  it.each([
    ['no scopes', { name: 'x', scopes: [] }, 'scopes'],
    ['an unknown scope', { name: 'x', scopes: ['tenant:read', 'root'] }, 'scopes.1'],
    ['no name', { scopes: ['tenant:read'] }, 'name'],
    ['a malformed expiry', { name: 'x', scopes: ['tenant:read'], expiresAt: 'tomorrow' }, 'expiresAt'],
  ])('refuses %s with 400 naming the field', async (_, payload, field) => {
    const res = await post(bearer(adminA.token), payload);

    const problem = expectProblem(res, 400, 'validation_failed');
    expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it.each([
    ['tenantId', { tenantId: '00000000-0000-4000-8000-000000000000' }],
    ['keyHash', { keyHash: 'deadbeef' }],
    ['createdBy', { createdBy: '00000000-0000-4000-8000-000000000000' }],
  ])('refuses a body with %s (no field picks the tenant, the hash or the creator)', async (field, extra) => {
    const before = await owner.query('select count(*)::int as n from api_keys');

    const res = await post(bearer(adminA.token), { name: 'smuggler', scopes: ['tenant:read'], ...extra });

    const problem = expectProblem(res, 400, 'validation_failed');
    expect(JSON.stringify(problem.errors)).toContain(field);
    const after = await owner.query('select count(*)::int as n from api_keys');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it("refuses scopes beyond the creator's own permissions with 403 scope_not_allowed", async () => {
    // tenant:delete belongs to owners only.
    const res = await post(bearer(adminA.token), { name: 'escalate', scopes: ['tenant:read', 'tenant:delete'] });

    expect(expectProblem(res, 403, 'scope_not_allowed')).toMatchObject({ scopes: ['tenant:delete'] });
    const { rows } = await owner.query("select 1 from api_keys where name = 'escalate'");
    expect(rows).toEqual([]);
  });

  it('lets an owner grant tenant:delete, which is in its own permissions', async () => {
    const ownerA = await makeMember(tenantA.id, 'owner');

    const key = await createKey(ownerA, { scopes: ['tenant:delete'] });

    expect(key.scopes).toEqual(['tenant:delete']);
  });
});

describe('using an API key', () => {
  let key: CreatedKey;

  beforeAll(async () => {
    key = await createKey(adminA, { name: 'reader', scopes: ['tenant:read'] });
  });

  it.each([
    ['X-API-Key', () => apiKey(key.key)],
    ['Authorization: Bearer', () => bearer(key.key)],
  ])('authenticates through %s and acts in its own tenant', async (_, headers) => {
    const res = await getTenant(headers());

    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: tenantA.id, settings: { displayName: 'Alpha' } });
  });

  it('acts as the key, with exactly its scopes and as no user (no reach into its creator\'s sessions or tenants)', async () => {
    const res = await t.inject({ method: 'GET', url: '/api/v1/test/whoami', headers: apiKey(key.key) });

    expect(res.json()).toEqual({ tenantId: tenantA.id, userId: null, apiKeyId: key.id, actor: 'api_key', permissions: ['tenant:read'] });
  });

  it('records when it was last used, without writing on every call', async () => {
    await owner.query('update api_keys set last_used_at = null where id = $1', [key.id]);

    await getTenant(apiKey(key.key));
    const first = (await keyRow(key.id)).last_used_at as Date;
    await getTenant(apiKey(key.key));
    const second = (await keyRow(key.id)).last_used_at as Date;

    expect(first).toBeInstanceOf(Date);
    expect(Date.now() - first.getTime()).toBeLessThan(60_000);
    expect(second.getTime()).toBe(first.getTime());
  });

  it('is refused with 403 forbidden on a route its scopes do not cover', async () => {
    const usageOnly = await createKey(adminA, { name: 'usage only', scopes: ['usage:read'] });

    const res = await getTenant(apiKey(usageOnly.key));

    expect(expectProblem(res, 403, 'forbidden')).toMatchObject({ permission: 'tenant:read' });
  });

  it('is refused with 401 when malformed or unknown', async () => {
    const unknown = `tnry_${tenantA.id.replace(/-/g, '')}_${'A'.repeat(43)}`;

    expectProblem(await getTenant(apiKey('tnry_nonsense')), 401, 'unauthenticated');
    expectProblem(await getTenant(apiKey(unknown)), 401, 'unauthenticated');
    expectProblem(await getTenant(bearer(unknown)), 401, 'unauthenticated');
  });

  it('is refused with 401 once expired', async () => {
    const expiring = await createKey(adminA, { name: 'expiring', expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect((await getTenant(apiKey(expiring.key))).statusCode).toBe(200);

    await owner.query("update api_keys set expires_at = now() - interval '1 second' where id = $1", [expiring.id]);

    expectProblem(await getTenant(apiKey(expiring.key)), 401, 'unauthenticated');
    expectProblem(await getTenant(bearer(expiring.key)), 401, 'unauthenticated');
  });
});

describe("tenant A's key and tenant B", () => {
  let keyA: CreatedKey;

  beforeAll(async () => {
    keyA = await createKey(adminA, { name: 'A manager', scopes: ['tenant:read', 'api-keys:manage'] });
    await createKey(adminB, { name: 'B secret key' });
  });

  it("is refused with 401 when its tenant part is rewritten to B's id (same secret)", async () => {
    const forged = keyA.key.replace(tenantA.id.replace(/-/g, ''), tenantB.id.replace(/-/g, ''));
    expect(forged).not.toBe(keyA.key);

    expectProblem(await getTenant(apiKey(forged)), 401, 'unauthenticated');
    expectProblem(await getTenant(bearer(forged)), 401, 'unauthenticated');
  });

  it("never reads B's data: its tenant and its key list are A's", async () => {
    const tenant = await getTenant(apiKey(keyA.key));
    const keys = await list(apiKey(keyA.key), '?limit=100');

    expect(tenant.json<{ id: string }>().id).toBe(tenantA.id);
    const names = keys.json<{ data: Array<{ name: string }> }>().data.map((k) => k.name);
    expect(names).toContain('A manager');
    expect(names).not.toContain('B secret key');
  });

  it("cannot revoke B's key (404), which keeps working", async () => {
    const keyB = await createKey(adminB, { name: 'B target' });

    expectProblem(await revoke(apiKey(keyA.key), keyB.id), 404, 'api_key_not_found');
    expectProblem(await revoke(bearer(adminA.token), keyB.id), 404, 'api_key_not_found');

    expect((await keyRow(keyB.id)).revoked_at).toBeNull();
    expect((await getTenant(apiKey(keyB.key))).statusCode).toBe(200);
  });
});

describe('a key managing keys', () => {
  it('may create a key within its own scopes, answerable to its creator', async () => {
    const manager = await createKey(adminA, { name: 'manager', scopes: ['tenant:read', 'api-keys:manage'] });

    const res = await post(apiKey(manager.key), { name: 'child', scopes: ['tenant:read'] });

    expect(res.statusCode).toBe(201);
    const child = res.json<CreatedKey>();
    expect(await keyRow(child.id)).toMatchObject({ created_by: adminA.userId });
    expect(await auditEventsFor(child.id)).toEqual([expect.objectContaining({ action: 'api_key.created', actor_type: 'api_key', actor_id: manager.id })]);
  });

  it("may not create a key beyond its own scopes, even ones its creator holds (403 scope_not_allowed)", async () => {
    const manager = await createKey(adminA, { name: 'narrow manager', scopes: ['tenant:read', 'api-keys:manage'] });

    const res = await post(apiKey(manager.key), { name: 'wider child', scopes: ['tenant:read', 'members:manage'] });

    expect(expectProblem(res, 403, 'scope_not_allowed')).toMatchObject({ scopes: ['members:manage'] });
  });

  it('may not manage keys at all without api-keys:manage (403 forbidden)', async () => {
    const reader = await createKey(adminA, { name: 'plain reader', scopes: ['tenant:read'] });

    expectProblem(await post(apiKey(reader.key), { name: 'x', scopes: ['tenant:read'] }), 403, 'forbidden');
    expectProblem(await list(apiKey(reader.key)), 403, 'forbidden');
    expectProblem(await revoke(apiKey(reader.key), reader.id), 403, 'forbidden');
  });
});

describe('members without api-keys:manage', () => {
  it.each(['member', 'billing'] as const)('a %s gets 403 forbidden on every route, and nothing changes', async (role) => {
    const caller = await makeMember(tenantA.id, role);
    const existing = await createKey(adminA, { name: `target of ${role}` });

    expectProblem(await post(bearer(caller.token), { name: 'x', scopes: ['tenant:read'] }), 403, 'forbidden');
    expectProblem(await list(bearer(caller.token)), 403, 'forbidden');
    expectProblem(await revoke(bearer(caller.token), existing.id), 403, 'forbidden');
    expect((await keyRow(existing.id)).revoked_at).toBeNull();
  });
});

describe('GET /api/v1/api-keys', () => {
  let tenant: TestTenant;
  let admin: Member;

  beforeAll(async () => {
    tenant = await t.makeTenant();
    admin = await makeMember(tenant.id, 'admin');
  });

  it('lists keys newest first, page by page, without the key or its hash', async () => {
    const made: CreatedKey[] = [];
    for (const name of ['one', 'two', 'three']) made.push(await createKey(admin, { name }));

    const first = await list(bearer(admin.token), '?limit=2');
    const { data: page1, nextCursor } = first.json<{ data: Array<Record<string, unknown>>; nextCursor: string | null }>();
    const second = await list(bearer(admin.token), `?limit=2&cursor=${nextCursor}`);
    const { data: page2, nextCursor: end } = second.json<{ data: Array<Record<string, unknown>>; nextCursor: string | null }>();

    expect([...page1, ...page2].map((k) => k.name)).toEqual(['three', 'two', 'one']);
    expect(end).toBeNull();
    expect(page1[0]).toEqual({
      id: made[2]!.id,
      name: 'three',
      prefix: made[2]!.prefix,
      scopes: ['tenant:read'],
      createdBy: admin.userId,
      createdAt: made[2]!.createdAt,
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
      rateLimitPerMinute: null,
    });
    const raw = JSON.stringify([...page1, ...page2]);
    for (const key of made) expect(raw).not.toContain(key.key.slice(-43));
    expect(raw).not.toMatch(/keyHash|key_hash|"key"/);
  });

  it('refuses a forged cursor with 400 invalid_cursor', async () => {
    expectProblem(await list(bearer(admin.token), '?cursor=bm90LWEtY3Vyc29y'), 400, 'invalid_cursor');
  });
});

describe('DELETE /api/v1/api-keys/:id', () => {
  it('revokes: the key is refused with 401 from then on; revoking again is a no-op, audited once', async () => {
    const key = await createKey(adminA, { name: 'to revoke' });
    expect((await getTenant(apiKey(key.key))).statusCode).toBe(200);

    const res = await revoke(bearer(adminA.token), key.id);
    const again = await revoke(bearer(adminA.token), key.id);

    expect([res.statusCode, again.statusCode]).toEqual([204, 204]);
    expectProblem(await getTenant(apiKey(key.key)), 401, 'unauthenticated');
    expectProblem(await getTenant(bearer(key.key)), 401, 'unauthenticated');
    const listed = (await list(bearer(adminA.token), '?limit=100')).json<{ data: Array<{ id: string; revokedAt: string | null }> }>();
    expect(listed.data.find((k) => k.id === key.id)?.revokedAt).toEqual(expect.any(String));
    const events = await auditEventsFor(key.id);
    expect(events.map((e) => e.action)).toEqual(['api_key.created', 'api_key.revoked']);
    expect(events[1]).toMatchObject({ actor_type: 'user', actor_id: adminA.userId, data: { name: 'to revoke', prefix: key.prefix } });
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    expectProblem(await revoke(bearer(adminA.token), randomUUID()), 404, 'api_key_not_found');
    expectProblem(await revoke(bearer(adminA.token), 'not-a-uuid'), 400, 'validation_failed');
  });
});

describe("a key's scopes are capped by its creator's current role, at every request", () => {
  const whoami = async (key: string) => t.inject({ method: 'GET', url: '/api/v1/test/whoami', headers: apiKey(key) });
  const permissionsOf = async (key: string) => (await whoami(key)).json<{ permissions: string[] }>().permissions;

  it('a demoted creator: the key loses the scopes the new role lacks, and gets them back on promotion', async () => {
    const creator = await makeMember(tenantA.id, 'admin');
    const key = await createKey(creator, { name: 'ops', scopes: ['tenant:read', 'audit:read', 'members:read'] });
    expect(await permissionsOf(key.key)).toEqual(['tenant:read', 'members:read', 'audit:read']);

    await owner.query("update memberships set role = 'member' where tenant_id = $1 and user_id = $2", [tenantA.id, creator.userId]);
    expect(await permissionsOf(key.key)).toEqual(['tenant:read', 'members:read']);
    const audit = await t.inject({ method: 'GET', url: '/api/v1/audit-events', headers: apiKey(key.key) });
    expect(expectProblem(audit, 403, 'forbidden')).toMatchObject({ permission: 'audit:read' });

    await owner.query("update memberships set role = 'admin' where tenant_id = $1 and user_id = $2", [tenantA.id, creator.userId]);
    expect((await t.inject({ method: 'GET', url: '/api/v1/audit-events', headers: apiKey(key.key) })).statusCode).toBe(200);
  });

  it('a creator removed from the tenant, or deleted: the key holds no scope (403 on every route)', async () => {
    for (const leave of ['membership', 'user'] as const) {
      const creator = await makeMember(tenantA.id, 'admin');
      const key = await createKey(creator, { name: `gone-${leave}`, scopes: ['tenant:read'] });
      expect((await getTenant(apiKey(key.key))).statusCode).toBe(200);

      if (leave === 'membership') await owner.query('delete from memberships where tenant_id = $1 and user_id = $2', [tenantA.id, creator.userId]);
      else await owner.query('delete from users where id = $1', [creator.userId]);

      expect(expectProblem(await getTenant(apiKey(key.key)), 403, 'forbidden')).toMatchObject({ permission: 'tenant:read' });
      expect(await permissionsOf(key.key)).toBeUndefined(); // whoami itself needs tenant:read
    }
  });

  it('a key made by a key answers to the same user: demoting that user caps both', async () => {
    const creator = await makeMember(tenantA.id, 'admin');
    const parent = await createKey(creator, { name: 'parent', scopes: ['api-keys:manage', 'tenant:read', 'audit:read'] });
    const child = await post(apiKey(parent.key), { name: 'child', scopes: ['tenant:read', 'audit:read'] });
    expect(child.statusCode).toBe(201);

    await owner.query("update memberships set role = 'member' where tenant_id = $1 and user_id = $2", [tenantA.id, creator.userId]);
    expect(await permissionsOf(child.json<CreatedKey>().key)).toEqual(['tenant:read']);
    expect(await permissionsOf(parent.key)).toEqual(['tenant:read']);
  });
});
