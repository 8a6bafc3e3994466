import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InvitationsModule } from '../../src/modules/auth/invitations/invitations.module.js';
import { MembersModule } from '../../src/modules/tenant/members/members.module.js';
import type { Role } from '../../src/platform/security/permissions.js';
import { bearer, createTestApp, expectProblem, type TestApp, type TestMember } from '../support/http-app.js';
import { auditEvents, makeApiKey, roleOf, rolesIn } from './members-factories.js';

/**
 * Members end to end: list, change a role, remove, leave, with every rule of the tenant's
 * membership: at least one owner, only owners make or unmake owners, nobody raises their own role,
 * a body carries `{ role }` and nothing else, and another tenant's member is not there (404).
 */

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ imports: [MembersModule, InvitationsModule], env: { LOG_LEVEL: process.env.DEBUG_LOG ?? 'silent' } });
});

afterAll(async () => {
  await t?.close();
});

type Person = TestMember;

interface Team {
  tenantId: string;
  owner: Person;
  admin: Person;
  billing: Person;
  member: Person;
}

/** A fresh tenant with one member of each role, who joined in this order, a minute apart. */
async function team(): Promise<Team> {
  const { id: tenantId } = await t.makeTenant();
  const people = {
    tenantId,
    owner: await t.makeMember(tenantId, 'owner'),
    admin: await t.makeMember(tenantId, 'admin'),
    billing: await t.makeMember(tenantId, 'billing'),
    member: await t.makeMember(tenantId, 'member'),
  };
  const joined = [people.owner, people.admin, people.billing, people.member];
  for (const [i, person] of joined.entries()) {
    await t.owner.query(`update memberships set created_at = now() - make_interval(mins => $3) where tenant_id = $1 and user_id = $2`, [tenantId, person.id, 10 - i]);
  }
  return people;
}

const list = (who: Person | string, query = '') => t.inject({ method: 'GET', url: `/api/v1/members${query}`, headers: bearer(typeof who === 'string' ? who : who.token) });
const patch = (who: Person, userId: string, payload: unknown) =>
  t.inject({ method: 'PATCH', url: `/api/v1/members/${userId}`, headers: bearer(who.token), payload: payload as object });
const setRole = (who: Person, target: Person, role: Role) => patch(who, target.id, { role });
const remove = (who: Person, userId: string) => t.inject({ method: 'DELETE', url: `/api/v1/members/${userId}`, headers: bearer(who.token) });
const leave = (headers: Record<string, string>) => t.inject({ method: 'POST', url: '/api/v1/members/me/leave', headers });

describe('GET /api/v1/members', () => {
  it('lists the tenant’s members, newest first, with id, email, name, role and joining time', async () => {
    const { tenantId, owner, admin, billing, member } = await team();
    await t.makeTenant().then((other) => t.makeMember(other.id, 'owner')); // someone elsewhere

    const res = await list(member);

    expect(res.statusCode).toBe(200);
    const body = res.json<{ data: Array<Record<string, unknown>>; nextCursor: string | null }>();
    expect(body.nextCursor).toBeNull();
    expect(body.data.map((m) => m.userId)).toEqual([member, billing, admin, owner].map((p) => p.id));
    expect(body.data[0]).toEqual({ userId: member.id, email: member.email, name: member.name, role: 'member', joinedAt: expect.any(String) });
    expect(body.data.map((m) => m.role)).toEqual(['member', 'billing', 'admin', 'owner']);
    expect(await rolesIn(t, tenantId)).toHaveProperty('size', 4);
  });

  it('pages with an opaque cursor, without gaps or repeats', async () => {
    const { owner, admin, billing, member } = await team();

    const first = await list(owner, '?limit=3');
    const second = await list(owner, `?limit=3&cursor=${first.json<{ nextCursor: string }>().nextCursor}`);

    expect(first.json<{ data: Array<{ userId: string }> }>().data.map((m) => m.userId)).toEqual([member, billing, admin].map((p) => p.id));
    expect(second.json()).toEqual({ data: [expect.objectContaining({ userId: owner.id })], nextCursor: null });
  });

  it('searches names and emails on the server (any case, % and _ taken literally), paging within the result, never another tenant', async () => {
    const { tenantId, owner, admin, billing, member } = await team();
    await t.owner.query(`update users set name = $2 where id = $1`, [admin.id, 'Ada 100% Lovelace']);
    await t.owner.query(`update users set name = $2 where id = $1`, [billing.id, 'Ada Byron']);
    const other = await t.makeTenant();
    const stranger = await t.makeMember(other.id, 'owner');
    await t.owner.query(`update users set name = $2 where id = $1`, [stranger.id, 'Ada Elsewhere']);
    const ids = (res: Awaited<ReturnType<typeof list>>) => res.json<{ data: Array<{ userId: string }> }>().data.map((m) => m.userId);

    expect(ids(await list(owner, '?q=aDa'))).toEqual([billing.id, admin.id]);
    expect(ids(await list(owner, `?q=${encodeURIComponent('100%')}`))).toEqual([admin.id]);
    expect(ids(await list(owner, `?q=${encodeURIComponent('%')}`))).toEqual([admin.id]);
    expect(ids(await list(owner, '?q=_'))).toEqual([]);
    expect(ids(await list(owner, `?q=${encodeURIComponent(member.email.toUpperCase())}`))).toEqual([member.id]);
    const first = await list(owner, '?q=ada&limit=1');
    const second = await list(owner, `?q=ada&limit=1&cursor=${first.json<{ nextCursor: string }>().nextCursor}`);
    expect([...ids(first), ...ids(second)]).toEqual([billing.id, admin.id]);
    expect(second.json<{ nextCursor: string | null }>().nextCursor).toBeNull();
    expect(ids(await list(owner, `?q=${encodeURIComponent(stranger.email)}`))).toEqual([]);
    expectProblem(await list(owner, '?q=%20%20'), 400, 'validation_failed');
    expectProblem(await list(owner, `?q=${'x'.repeat(101)}`), 400, 'validation_failed');
    expect(await rolesIn(t, tenantId)).toHaveProperty('size', 4);
  });

  it('refuses a cursor that is not one (400 invalid_cursor) and a caller without a token (401)', async () => {
    const { owner } = await team();

    expectProblem(await list(owner, '?cursor=garbage'), 400, 'invalid_cursor');
    expectProblem(await t.inject({ method: 'GET', url: '/api/v1/members' }), 401, 'unauthenticated');
  });
});

describe('PATCH /api/v1/members/:userId', () => {
  it('lets an owner change a role, answers the member, and audits member.role_changed { from, to }', async () => {
    const { tenantId, owner, member } = await team();

    const res = await setRole(owner, member, 'admin');

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ userId: member.id, email: member.email, name: member.name, role: 'admin', joinedAt: expect.any(String) });
    expect(await roleOf(t, tenantId, member.id)).toBe('admin');
    expect(await auditEvents(t, tenantId, 'member.role_changed')).toEqual([
      expect.objectContaining({ actor_id: owner.id, target_id: member.id, data: { from: 'member', to: 'admin' } }),
    ]);
  });

  it('lets an admin make members admins or billing, and demote other admins', async () => {
    const { tenantId, admin, billing, member } = await team();
    const otherAdmin = await t.makeMember(tenantId, 'admin');

    expect((await setRole(admin, member, 'admin')).statusCode).toBe(200);
    expect((await setRole(admin, billing, 'member')).statusCode).toBe(200);
    expect((await setRole(admin, otherAdmin, 'billing')).statusCode).toBe(200);

    expect(await roleOf(t, tenantId, member.id)).toBe('admin');
    expect(await roleOf(t, tenantId, billing.id)).toBe('member');
    expect(await roleOf(t, tenantId, otherAdmin.id)).toBe('billing');
  });

  it('refuses an admin granting owner, to anyone, themselves included (403 cannot_grant_owner), and changes nothing', async () => {
    const { tenantId, admin, member } = await team();

    expectProblem(await setRole(admin, member, 'owner'), 403, 'cannot_grant_owner');
    expectProblem(await setRole(admin, admin, 'owner'), 403, 'cannot_grant_owner');

    expect(await roleOf(t, tenantId, member.id)).toBe('member');
    expect(await roleOf(t, tenantId, admin.id)).toBe('admin');
    expect(await auditEvents(t, tenantId, 'member.role_changed')).toEqual([]);
  });

  it('refuses an admin changing an owner (403 cannot_manage_owner), even with several owners', async () => {
    const { tenantId, owner, admin } = await team();
    await t.makeMember(tenantId, 'owner');

    expectProblem(await setRole(admin, owner, 'member'), 403, 'cannot_manage_owner');

    expect(await roleOf(t, tenantId, owner.id)).toBe('owner');
  });

  it('lets an owner make another owner, who may then demote the first', async () => {
    const { tenantId, owner, admin } = await team();

    expect((await setRole(owner, admin, 'owner')).statusCode).toBe(200);
    expect((await setRole(admin, owner, 'admin')).statusCode).toBe(200);

    expect(await roleOf(t, tenantId, admin.id)).toBe('owner');
    expect(await roleOf(t, tenantId, owner.id)).toBe('admin');
  });

  it('refuses demoting the last owner, themselves included (409 last_owner)', async () => {
    const { tenantId, owner } = await team();

    expectProblem(await setRole(owner, owner, 'admin'), 409, 'last_owner');

    expect(await roleOf(t, tenantId, owner.id)).toBe('owner');
  });

  it('refuses members and billing users (403 forbidden): they cannot raise their own role either', async () => {
    const { tenantId, member, billing } = await team();

    expectProblem(await setRole(member, member, 'admin'), 403, 'forbidden');
    expectProblem(await setRole(billing, billing, 'owner'), 403, 'forbidden');
    expectProblem(await setRole(billing, member, 'billing'), 403, 'forbidden');

    expect(await roleOf(t, tenantId, member.id)).toBe('member');
    expect(await roleOf(t, tenantId, billing.id)).toBe('billing');
  });

  it.each<[string, unknown]>([
    ['an extra tenantId', { role: 'member', tenantId: randomUUID() }],
    ['an extra userId', { role: 'member', userId: randomUUID() }],
    ['roles instead of role', { roles: ['owner'] }],
    ['an extra permissions list', { role: 'member', permissions: ['members:manage'] }],
    ['isPlatformAdmin', { role: 'member', isPlatformAdmin: true }],
    ['an unknown role', { role: 'superuser' }],
    ['no role', {}],
    ['a role in another case', { role: 'OWNER' }],
  ])('refuses a body with %s (400) and changes nothing', async (_name, payload) => {
    const { tenantId, admin, member } = await team();

    expectProblem(await patch(admin, member.id, payload), 400, 'validation_failed');

    expect(await roleOf(t, tenantId, member.id)).toBe('member');
  });

  it("answers 404 for another tenant's member, and leaves them unchanged", async () => {
    const a = await team();
    const b = await team();

    expectProblem(await setRole(a.owner, b.member, 'admin'), 404, 'member_not_found');
    expectProblem(await setRole(a.owner, b.owner, 'member'), 404, 'member_not_found');

    expect(await roleOf(t, b.tenantId, b.member.id)).toBe('member');
    expect(await roleOf(t, b.tenantId, b.owner.id)).toBe('owner');
    expect(await roleOf(t, a.tenantId, b.member.id)).toBeNull(); // and no membership appeared in A
    expect(await auditEvents(t, b.tenantId)).toEqual([]);
  });

  it('answers 404 for an unknown user and 400 for an id that is not a uuid', async () => {
    const { owner } = await team();

    expectProblem(await patch(owner, randomUUID(), { role: 'admin' }), 404, 'member_not_found');
    expectProblem(await patch(owner, 'not-a-uuid', { role: 'admin' }), 400, 'validation_failed');
  });

  it('never leaves zero owners when the last two owners demote each other at the same time', async () => {
    for (let round = 0; round < 5; round++) {
      const { tenantId, owner } = await team();
      const second = await t.makeMember(tenantId, 'owner');

      const answers = await Promise.all([setRole(owner, second, 'admin'), setRole(second, owner, 'admin')]);

      expect(answers.map((r) => r.statusCode).sort()).toEqual([200, expect.any(Number)]);
      expect([403, 409]).toContain(answers.map((r) => r.statusCode).sort()[1]);
      const roles = await rolesIn(t, tenantId);
      expect([roles.get(owner.id), roles.get(second.id)].filter((r) => r === 'owner')).toHaveLength(1);
    }
  });

  it('never leaves zero owners when two owners step down at the same time', async () => {
    for (let round = 0; round < 5; round++) {
      const { tenantId, owner } = await team();
      const second = await t.makeMember(tenantId, 'owner');

      const answers = await Promise.all([setRole(owner, owner, 'admin'), setRole(second, second, 'member')]);

      expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 409]);
      expect([...(await rolesIn(t, tenantId)).values()].filter((r) => r === 'owner')).toHaveLength(1);
    }
  });
});

describe('DELETE /api/v1/members/:userId', () => {
  it('removes a member (204), audits member.removed, and their token stops working at once', async () => {
    const { tenantId, owner, admin } = await team();
    expect((await list(admin)).statusCode).toBe(200);

    const res = await remove(owner, admin.id);

    expect(res.statusCode).toBe(204);
    expect(await roleOf(t, tenantId, admin.id)).toBeNull();
    expect(await auditEvents(t, tenantId, 'member.removed')).toEqual([
      expect.objectContaining({ actor_id: owner.id, target_id: admin.id, data: { role: 'admin' } }),
    ]);
    expectProblem(await list(admin), 401, 'unauthenticated');
  });

  it('lets an admin remove members and admins, but not an owner (403 cannot_manage_owner)', async () => {
    const { tenantId, owner, admin, billing, member } = await team();
    const otherAdmin = await t.makeMember(tenantId, 'admin');
    await t.makeMember(tenantId, 'owner');

    expect((await remove(admin, member.id)).statusCode).toBe(204);
    expect((await remove(admin, billing.id)).statusCode).toBe(204);
    expect((await remove(admin, otherAdmin.id)).statusCode).toBe(204);
    expectProblem(await remove(admin, owner.id), 403, 'cannot_manage_owner');

    expect(await roleOf(t, tenantId, owner.id)).toBe('owner');
  });

  it('lets an owner remove another owner, but never the last one', async () => {
    const { tenantId, owner } = await team();
    const second = await t.makeMember(tenantId, 'owner');

    expect((await remove(owner, second.id)).statusCode).toBe(204);
    expectProblem(await remove(owner, owner.id), 409, 'last_owner');

    expect(await roleOf(t, tenantId, owner.id)).toBe('owner');
  });

  it('refuses members without members:manage (403 forbidden)', async () => {
    const { tenantId, billing, member } = await team();

    expectProblem(await remove(member, billing.id), 403, 'forbidden');
    expectProblem(await remove(billing, member.id), 403, 'forbidden');

    expect(await roleOf(t, tenantId, member.id)).toBe('member');
  });

  it("answers 404 for another tenant's member, and removes nothing", async () => {
    const a = await team();
    const b = await team();

    expectProblem(await remove(a.owner, b.admin.id), 404, 'member_not_found');

    expect(await roleOf(t, b.tenantId, b.admin.id)).toBe('admin');
    expect((await list(b.admin)).statusCode).toBe(200);
  });

  it('on your own id, is leaving (audited as member.left)', async () => {
    const { tenantId, admin } = await team();

    expect((await remove(admin, admin.id)).statusCode).toBe(204);

    expect(await auditEvents(t, tenantId, 'member.left')).toEqual([expect.objectContaining({ actor_id: admin.id, target_id: admin.id })]);
    expectProblem(await list(admin), 401, 'unauthenticated');
  });
});

describe('POST /api/v1/members/me/leave', () => {
  it('lets any member leave (204, member.left), after which their token is refused', async () => {
    const { tenantId, member } = await team();

    expect((await leave(bearer(member.token))).statusCode).toBe(204);

    expect(await roleOf(t, tenantId, member.id)).toBeNull();
    expect(await auditEvents(t, tenantId, 'member.left')).toEqual([
      expect.objectContaining({ actor_id: member.id, target_id: member.id, data: { role: 'member' } }),
    ]);
    expectProblem(await leave(bearer(member.token)), 401, 'unauthenticated');
  });

  it('refuses the last owner (409 last_owner); an owner may leave while another remains', async () => {
    const { tenantId, owner } = await team();

    expectProblem(await leave(bearer(owner.token)), 409, 'last_owner');
    const second = await t.makeMember(tenantId, 'owner');
    expect((await leave(bearer(owner.token))).statusCode).toBe(204);

    expect(await roleOf(t, tenantId, second.id)).toBe('owner');
    expect(await roleOf(t, tenantId, owner.id)).toBeNull();
  });
});

describe('API keys acting on members', () => {
  it('an API key cannot leave (403 not_a_user), grant owner, or touch an owner, whatever its scopes', async () => {
    const { tenantId, owner, member } = await team();
    const key = await makeApiKey(t, tenantId, ['members:read', 'members:manage'], owner.id);
    const asKey = { 'x-api-key': key };

    expectProblem(await leave(asKey), 403, 'not_a_user');
    const grant = await t.inject({ method: 'PATCH', url: `/api/v1/members/${member.id}`, headers: asKey, payload: { role: 'owner' } });
    expectProblem(grant, 403, 'cannot_grant_owner');
    expectProblem(await t.inject({ method: 'DELETE', url: `/api/v1/members/${owner.id}`, headers: asKey }), 403, 'cannot_manage_owner');

    expect(await roleOf(t, tenantId, owner.id)).toBe('owner');
    expect(await roleOf(t, tenantId, member.id)).toBe('member');
  });
});
