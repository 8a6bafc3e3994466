import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { AuditApiModule } from '../../src/modules/tenant/audit/audit-api.module.js';
import { type AuditEntry, AuditLog, chainHash } from '../../src/platform/audit/audit-log.js';
import { type ActorType, TenantContext } from '../../src/platform/context/tenant-context.js';
import type { Role } from '../../src/platform/security/permissions.js';
import { bearer, createTestApp, expectProblem, mintToken, openTestSession, type TestApp, type TestTenant } from '../support/http-app.js';

/**
 * GET /api/v1/audit-events and GET /api/v1/audit-events/verify: the tenant's own log, newest
 * first, filtered and paginated, and a check of its hash chain that notices edits and deletions
 * made behind the application's back (through the owner connection).
 */

interface Member {
  userId: string;
  token: string;
}

interface EventView {
  id: string;
  seq: string;
  actorType: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  userAgent: string | null;
  data: Record<string, unknown>;
  createdAt: string;
  hash: string;
}

interface PageOf<T> {
  data: T[];
  nextCursor: string | null;
}

let t: TestApp;
let owner: pg.Pool;

async function makeMember(tenantId: string, role: Role): Promise<Member> {
  const userId = randomUUID();
  await owner.query('insert into users (id, email, name) values ($1, $2, $3)', [userId, `${userId}@example.test`, `User ${role}`]);
  await owner.query('insert into memberships (tenant_id, user_id, role) values ($1, $2, $3)', [tenantId, userId, role]);
  return { userId, token: mintToken({ sub: userId, tid: tenantId, sid: await openTestSession(owner, userId, tenantId), typ: 'access' }) };
}

/** A tenant with an admin, for tests that need a log of their own. */
async function makeTenantWithAdmin(): Promise<{ tenant: TestTenant; admin: Member }> {
  const tenant = await t.makeTenant();
  return { tenant, admin: await makeMember(tenant.id, 'admin') };
}

/** Records an event the way a service would, as the given actor. */
function record(tenantId: string, entry: AuditEntry, actor: { actor?: ActorType; userId?: string; apiKeyId?: string } = { actor: 'system' }): Promise<void> {
  return t.app.get(TenantContext).run({ tenantId, ...actor }, () => t.app.get(AuditLog).record(entry));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const listEvents = (member: Member | Record<string, string>, query = '') =>
  t.inject({ method: 'GET', url: `/api/v1/audit-events${query}`, headers: 'token' in member ? bearer(member.token) : (member) });

async function events(member: Member, query = ''): Promise<EventView[]> {
  const res = await listEvents(member, query);
  expect(res.statusCode).toBe(200);
  return res.json<PageOf<EventView>>().data;
}

const verify = (member: Member) => t.inject({ method: 'GET', url: '/api/v1/audit-events/verify', headers: bearer(member.token) });

beforeAll(async () => {
  t = await createTestApp({ imports: [AuditApiModule] });
  owner = new pg.Pool({ connectionString: t.database.ownerUrl, max: 2 });
  owner.on('error', () => undefined);
});

afterAll(async () => {
  await owner?.end();
  await t?.close();
});

describe('GET /api/v1/audit-events', () => {
  it('shows what the API did: actor, action, target, IP, user agent, time and hash (not prev_hash)', async () => {
    const { admin } = await makeTenantWithAdmin();
    const created = await t.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: { ...bearer(admin.token), 'user-agent': 'audit-e2e/1.0' },
      payload: { name: 'deploys', scopes: ['tenant:read', 'api-keys:manage'] },
    });
    const key = created.json<{ id: string; key: string; prefix: string }>();
    await t.inject({ method: 'DELETE', url: `/api/v1/api-keys/${key.id}`, headers: { 'x-api-key': key.key, 'user-agent': 'robot/7' } });

    const [revoked, made] = await events(admin);

    expect(made).toEqual({
      id: expect.any(String),
      seq: '1',
      actorType: 'user',
      actorId: admin.userId,
      action: 'api_key.created',
      targetType: 'api_key',
      targetId: key.id,
      ip: '127.0.0.1',
      userAgent: 'audit-e2e/1.0',
      data: { name: 'deploys', prefix: key.prefix, scopes: ['tenant:read', 'api-keys:manage'], expiresAt: null, rateLimitPerMinute: null },
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(revoked).toMatchObject({ seq: '2', actorType: 'api_key', actorId: key.id, action: 'api_key.revoked', targetId: key.id, userAgent: 'robot/7' });
  });

  describe('filters and pagination', () => {
    let admin: Member;
    let tenantId: string;
    const [alice, bob, u1, u2] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    let all: EventView[];

    beforeAll(async () => {
      ({ admin, tenant: { id: tenantId } } = await makeTenantWithAdmin());
      const entries: Array<[AuditEntry, Parameters<typeof record>[2]]> = [
        [{ action: 'member.role_changed', targetType: 'user', targetId: u1, data: { from: 'member', to: 'admin' } }, { actor: 'user', userId: alice }],
        [{ action: 'member.removed', targetType: 'user', targetId: u2 }, { actor: 'user', userId: alice }],
        [{ action: 'invitation.created', targetType: 'invitation', targetId: 'inv-1' }, { actor: 'user', userId: bob }],
        [{ action: 'tenant.plan_changed', data: { plan: 'pro' } }, { actor: 'system' }],
        [{ action: 'member.role_changed', targetType: 'user', targetId: u1, data: { from: 'admin', to: 'member' } }, { actor: 'user', userId: bob }],
      ];
      for (const [entry, actor] of entries) {
        await record(tenantId, entry, actor);
        await sleep(5); // distinct timestamps, for the time filters
      }
      all = await events(admin);
    });

    const seqs = (list: EventView[]) => list.map((e) => e.seq);

    it('lists every event newest first by seq', () => {
      expect(seqs(all)).toEqual(['5', '4', '3', '2', '1']);
    });

    it.each([
      ['an exact action', '?action=member.role_changed', ['5', '1']],
      ['an action prefix ending with a dot', '?action=member.', ['5', '2', '1']],
      ['an action without a dot (exact, not a prefix)', '?action=member', []],
      ['the actor', `?actorId=${alice}`, ['2', '1']],
      ['the actor type', '?actorType=system', ['4']],
      ['the target', `?targetType=user&targetId=${u1}`, ['5', '1']],
      ['the target type', '?targetType=invitation', ['3']],
      ['several filters at once', `?action=member.&actorId=${bob}`, ['5']],
    ])('filters by %s', async (_, query, expected) => {
      expect(seqs(await events(admin, query))).toEqual(expected);
    });

    it('filters by time: from is inclusive, to is inclusive', async () => {
      const at = (seq: string) => all.find((e) => e.seq === seq)!.createdAt;

      expect(seqs(await events(admin, `?from=${at('3')}`))).toEqual(['5', '4', '3']);
      expect(seqs(await events(admin, `?to=${at('2')}`))).toEqual(['2', '1']);
      expect(seqs(await events(admin, `?from=${at('2')}&to=${at('4')}`))).toEqual(['4', '3', '2']);
    });

    it('takes calendar dates: to=<date> covers that whole day', async () => {
      const today = new Date().toISOString().slice(0, 10);
      const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

      expect(seqs(await events(admin, `?from=${today}&to=${today}`))).toEqual(['5', '4', '3', '2', '1']);
      expect(seqs(await events(admin, `?to=${yesterday}`))).toEqual([]);
    });

    it('pages with an opaque cursor, without gaps or repeats, filters included', async () => {
      const pages: string[][] = [];
      let cursor: string | null = null;
      do {
        const res = await listEvents(admin, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        const page: PageOf<EventView> = res.json<PageOf<EventView>>();
        pages.push(seqs(page.data));
        cursor = page.nextCursor;
      } while (cursor);

      expect(pages).toEqual([['5', '4'], ['3', '2'], ['1']]);

      const first = (await listEvents(admin, '?action=member.&limit=2')).json<PageOf<EventView>>();
      const second = (await listEvents(admin, `?action=member.&limit=2&cursor=${first.nextCursor}`)).json<PageOf<EventView>>();
      expect([seqs(first.data), seqs(second.data), second.nextCursor]).toEqual([['5', '2'], ['1'], null]);
    });

    it.each([
      ['an action with spaces and capitals', 'action', '?action=Member%20removed'],
      ['an actorId that is not a uuid', 'actorId', '?actorId=alice'],
      ['an unknown actorType', 'actorType', '?actorType=robot'],
      ['a targetType with punctuation', 'targetType', '?targetType=User!'],
      ['a from that is not a date', 'from', '?from=yesterday'],
      ['a to that is no calendar date', 'to', '?to=2026-13-40'],
      ['a to before from', 'to', '?from=2026-11-22T10:00:00Z&to=2026-11-21T10:00:00Z'],
    ])('refuses %s with 400 naming %s', async (_, field, query) => {
      const problem = expectProblem(await listEvents(admin, query), 400, 'validation_failed');

      expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    });

    it('refuses an unknown parameter (a misspelt filter) rather than answering unfiltered', async () => {
      const problem = expectProblem(await listEvents(admin, '?actor=alice'), 400, 'validation_failed');

      expect(JSON.stringify(problem.errors)).toContain('actor');
    });

    it('refuses a forged cursor with 400 invalid_cursor', async () => {
      const forged = Buffer.from(JSON.stringify({ seq: 'all' })).toString('base64url');

      expectProblem(await listEvents(admin, `?cursor=${forged}`), 400, 'invalid_cursor');
    });
  });

  describe('access', () => {
    it.each(['member', 'billing'] as const)('a %s gets 403 forbidden on both routes', async (role) => {
      const { tenant } = await makeTenantWithAdmin();
      const caller = await makeMember(tenant.id, role);

      expectProblem(await listEvents(caller), 403, 'forbidden');
      expectProblem(await verify(caller), 403, 'forbidden');
    });

    it('an API key needs the audit:read scope', async () => {
      const { admin } = await makeTenantWithAdmin();
      const create = (scopes: string[]) =>
        t.inject({ method: 'POST', url: '/api/v1/api-keys', headers: bearer(admin.token), payload: { name: 'k', scopes } }).then((r) => r.json<{ key: string }>().key);
      const reader = await create(['audit:read']);
      const other = await create(['tenant:read']);

      expect((await listEvents({ 'x-api-key': reader })).statusCode).toBe(200);
      expectProblem(await listEvents({ 'x-api-key': other }), 403, 'forbidden');
    });

    it("never shows tenant A another tenant's events, whatever the filters", async () => {
      const a = await makeTenantWithAdmin();
      const b = await makeTenantWithAdmin();
      const secretTarget = randomUUID();
      await record(a.tenant.id, { action: 'member.removed', targetType: 'user', targetId: randomUUID() });
      await record(b.tenant.id, { action: 'member.removed', targetType: 'user', targetId: secretTarget });
      await record(b.tenant.id, { action: 'tenant.settings_updated' });

      const seenByA = await events(a.admin, '?limit=100');
      const probing = await events(a.admin, `?targetType=user&targetId=${secretTarget}`);
      const checkOfA = (await verify(a.admin)).json<{ checked: number }>();

      expect(seenByA).toHaveLength(1);
      expect(JSON.stringify(seenByA)).not.toContain(secretTarget);
      expect(probing).toEqual([]);
      expect(checkOfA.checked).toBe(1);
      expect(await events(b.admin)).toHaveLength(2);
    });
  });
});

describe('GET /api/v1/audit-events/verify', () => {
  async function tenantWithEvents(n: number): Promise<{ tenantId: string; admin: Member }> {
    const { tenant, admin } = await makeTenantWithAdmin();
    for (let i = 1; i <= n; i++) await record(tenant.id, { action: 'tenant.settings_updated', data: { round: i, nested: { b: 2, a: [1, 'x'] } } });
    return { tenantId: tenant.id, admin };
  }

  it('reports an empty log as intact', async () => {
    const { admin } = await makeTenantWithAdmin();

    expect((await verify(admin)).json()).toEqual({ ok: true, checked: 0 });
  });

  it('reports an untouched chain as intact, with its head', async () => {
    const { admin } = await tenantWithEvents(4);
    const [newest] = await events(admin);

    const res = await verify(admin);

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true, checked: 4, head: { seq: '4', hash: newest!.hash } });
  });

  it('notices an event edited through the owner connection', async () => {
    const { tenantId, admin } = await tenantWithEvents(5);

    await owner.query(`update audit_events set data = jsonb_set(data, '{round}', '99') where tenant_id = $1 and seq = 3`, [tenantId]);

    expect((await verify(admin)).json()).toEqual({ ok: false, checked: 2, brokenAtSeq: '3' });
  });

  it('notices an edit whose own hash was recomputed, at the next event', async () => {
    const { tenantId, admin } = await tenantWithEvents(5);
    const { rows } = await owner.query('select * from audit_events where tenant_id = $1 and seq = 2', [tenantId]);
    const row = rows[0] as Record<string, unknown>;
    const forged = {
      tenantId,
      seq: 2n,
      id: row.id as string,
      actorType: row.actor_type as string,
      actorId: row.actor_id as string | null,
      action: 'tenant.resumed',
      targetType: row.target_type as string | null,
      targetId: row.target_id as string | null,
      ip: row.ip as string | null,
      userAgent: row.user_agent as string | null,
      data: row.data,
      createdAt: row.created_at as Date,
    };

    await owner.query('update audit_events set action = $2, hash = $3 where tenant_id = $1 and seq = 2', [
      tenantId,
      forged.action,
      Buffer.from(chainHash(row.prev_hash as Buffer, forged)),
    ]);

    expect((await verify(admin)).json()).toEqual({ ok: false, checked: 2, brokenAtSeq: '3' });
  });

  it('notices a deleted event', async () => {
    const { tenantId, admin } = await tenantWithEvents(5);

    await owner.query('delete from audit_events where tenant_id = $1 and seq = 3', [tenantId]);

    expect((await verify(admin)).json()).toEqual({ ok: false, checked: 2, brokenAtSeq: '4' });
  });

  it("is not disturbed by another tenant's broken chain", async () => {
    const healthy = await tenantWithEvents(2);
    const broken = await tenantWithEvents(2);

    await owner.query('delete from audit_events where tenant_id = $1 and seq = 1', [broken.tenantId]);

    expect((await verify(healthy.admin)).json()).toMatchObject({ ok: true, checked: 2 });
    expect((await verify(broken.admin)).json()).toMatchObject({ ok: false, brokenAtSeq: '2' });
  });
});
