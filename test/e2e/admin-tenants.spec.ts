import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { ERASE_TENANT_QUEUE, eraseTenantJobId } from '../../src/modules/tenant/jobs/tenant-jobs.js';
import { AuditLog } from '../../src/platform/audit/audit-log.js';
import { TenantContext } from '../../src/platform/context/tenant-context.js';
import { bearer, expectProblem, mintToken, openTestSession, type TestTenant } from '../support/http-app.js';
import { auditEvents, type Harness, makeMember, type Member, startHarness } from './tenant-helpers.js';

/**
 * /api/v1/admin/tenants: platform administrators (a flag on the user, not a tenant role) list,
 * search, create, suspend, resume, re-plan and delete any tenant, through the platform role; every
 * change is in the affected tenant's audit log with the actor platform_admin.
 */

interface AdminTenant {
  id: string;
  slug: string;
  name: string;
  status: string;
  plan: string;
  createdAt: string;
  suspendedAt: string | null;
  deletionScheduledAt: string | null;
  memberCount: number;
  ownerEmail: string | null;
}

let h: Harness;
let erasures: Queue;
let staff: TestTenant;
let admin: Member;
/** The owner of a tenant, but no platform administrator. */
let notAdmin: Member;
let notAdminTenant: TestTenant;

beforeAll(async () => {
  h = await startHarness();
  erasures = h.t.app.get<Queue>(getQueueToken(ERASE_TENANT_QUEUE));
  staff = await h.t.makeTenant({ name: 'Platform staff' });
  admin = await makeMember(h.owner, staff.id, 'member', { platformAdmin: true });
  // The admin acts from the staff tenant's session: lift its plan's API rate limit for this many calls.
  await h.owner.query(`update tenants set limit_overrides = '{"api_per_minute": 100000}' where id = $1`, [staff.id]);
  notAdminTenant = await h.t.makeTenant();
  notAdmin = await makeMember(h.owner, notAdminTenant.id, 'owner');
});

afterAll(async () => {
  await erasures?.obliterate({ force: true }).catch(() => undefined);
  await h?.close();
});

/** Every lifecycle action takes a reason, recorded in the tenant's audit log. */
const REASON = 'Requested by the customer in ticket #4521';

const call = (who: Member, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, payload?: object) =>
  h.t.inject({ method, url: `/api/v1/admin${path}`, headers: who.auth, ...(payload && { payload }) });

async function tenantRow(id: string): Promise<Record<string, unknown> | undefined> {
  const { rows } = await h.owner.query('select slug, name, status, plan, suspended_at, deletion_scheduled_at from tenants where id = $1', [id]);
  return rows[0] as Record<string, unknown> | undefined;
}

/** A tenant with one member, to watch access come and go. */
async function tenantWithMember(name?: string): Promise<{ tenant: TestTenant; member: Member }> {
  const tenant = await h.t.makeTenant(name ? { name } : {});
  return { tenant, member: await makeMember(h.owner, tenant.id, 'member') };
}

const getTenant = (who: Member) => h.t.inject({ method: 'GET', url: '/api/v1/tenant', headers: who.auth });

/** The affected tenant's audit events of an action, as recorded. */
const adminEvents = (tenantId: string, action: string) => auditEvents(h.owner, tenantId, action);

describe('a caller who is not a platform admin', () => {
  it.each<[string, 'GET' | 'POST' | 'PATCH' | 'DELETE', (id: string) => string, object | undefined]>([
    ['list', 'GET', () => '/tenants', undefined],
    ['read the detail of', 'GET', (id) => `/tenants/${id}`, undefined],
    ['create', 'POST', () => '/tenants', { name: 'Sneaky', ownerEmail: 'sneaky@example.test' }],
    ['suspend', 'POST', (id) => `/tenants/${id}/suspend`, { reason: REASON }],
    ['resume', 'POST', (id) => `/tenants/${id}/resume`, { reason: REASON }],
    ['change the plan of', 'PATCH', (id) => `/tenants/${id}/plan`, { plan: 'enterprise', reason: REASON }],
    ['delete', 'DELETE', (id) => `/tenants/${id}`, { reason: REASON }],
    ['read the analytics of', 'GET', () => '/analytics', undefined],
  ])('cannot %s tenants: 403 platform_admin_required, nothing changed (even for their own tenant)', async (_what, method, path, payload) => {
    const before = await h.owner.query('select * from tenants order by id');

    const res = await call(notAdmin, method, path(notAdminTenant.id), payload);

    expectProblem(res, 403, 'platform_admin_required');
    expect((await h.owner.query('select * from tenants order by id')).rows).toEqual(before.rows);
  });
});

describe('GET /api/v1/admin/tenants', () => {
  const marker = randomBytes(4).toString('hex');
  let made: TestTenant[];

  beforeAll(async () => {
    made = [];
    for (const name of [`Zephyr ${marker} One`, `Zephyr ${marker} Two`, `Other ${marker} Three`, `Zephyr ${marker} Four`, `Zephyr ${marker} Five`]) {
      made.push(await h.t.makeTenant({ name, slug: `z-${marker}-${made.length}` }));
    }
    // Inserts a millisecond apart can share a created_at (then the id orders them): one second apart, in order.
    for (const [i, tenant] of made.entries()) {
      await h.owner.query(`update tenants set created_at = now() - make_interval(secs => $2) where id = $1`, [tenant.id, made.length - i]);
    }
    await h.owner.query(`update tenants set status = 'suspended', plan = 'pro' where id = $1`, [made[1]!.id]);
    await h.owner.query(`update tenants set plan = 'pro' where id = $1`, [made[3]!.id]);
  });

  it('lists tenants with their status, plan and member count', async () => {
    const res = await call(admin, 'GET', `/tenants?q=${marker}`);

    expect(res.statusCode).toBe(200);
    const page = res.json<{ data: AdminTenant[]; nextCursor: string | null }>();
    expect(page.data).toHaveLength(5);
    expect(page.data.find((t) => t.id === made[1]!.id)).toEqual({
      id: made[1]!.id,
      slug: made[1]!.slug,
      name: `Zephyr ${marker} Two`,
      status: 'suspended',
      plan: 'pro',
      createdAt: expect.any(String),
      suspendedAt: null,
      deletionScheduledAt: null,
      memberCount: 0,
      ownerEmail: null,
    });
    expect((await call(admin, 'GET', `/tenants?q=${staff.slug}`)).json<{ data: AdminTenant[] }>().data).toEqual([
      expect.objectContaining({ id: staff.id, memberCount: 1, ownerEmail: null }),
    ]);
    expect((await call(admin, 'GET', `/tenants?q=${notAdminTenant.slug}`)).json<{ data: AdminTenant[] }>().data).toEqual([
      expect.objectContaining({ id: notAdminTenant.id, memberCount: 1, ownerEmail: notAdmin.email }),
    ]);
  });

  it('searches slug and name by substring, in any case', async () => {
    const byName = (await call(admin, 'GET', `/tenants?q=zephyr%20${marker}`)).json<{ data: AdminTenant[] }>().data;
    const bySlug = (await call(admin, 'GET', `/tenants?q=Z-${marker}-2`)).json<{ data: AdminTenant[] }>().data;

    expect(byName.map((t) => t.id).sort()).toEqual([made[0]!, made[1]!, made[3]!, made[4]!].map((t) => t.id).sort());
    expect(bySlug.map((t) => t.id)).toEqual([made[2]!.id]);
  });

  it('filters by status and by plan', async () => {
    const suspended = (await call(admin, 'GET', `/tenants?q=${marker}&status=suspended`)).json<{ data: AdminTenant[] }>().data;
    const pro = (await call(admin, 'GET', `/tenants?q=${marker}&plan=pro`)).json<{ data: AdminTenant[] }>().data;

    expect(suspended.map((t) => t.id)).toEqual([made[1]!.id]);
    expect(pro.map((t) => t.id).sort()).toEqual([made[1]!.id, made[3]!.id].sort());
  });

  it('pages through every match, newest first, each exactly once', async () => {
    const seen: AdminTenant[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await call(admin, 'GET', `/tenants?q=${marker}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const page = res.json<{ data: AdminTenant[]; nextCursor: string | null }>();
      seen.push(...page.data);
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);

    expect(pages).toBe(3);
    expect(seen.map((t) => t.id)).toEqual([...made].reverse().map((t) => t.id));
  });

  it('takes %, _ and \\ in the search literally, not as LIKE wildcards', async () => {
    const other = randomBytes(4).toString('hex');
    const literal = await h.t.makeTenant({ name: `Percent 100%_\\ ${other}` });
    const search = async (q: string) =>
      (await call(admin, 'GET', `/tenants?q=${encodeURIComponent(q)}`)).json<{ data: AdminTenant[] }>().data.map((t) => t.id);

    expect(await search(`100%_\\ ${other}`)).toEqual([literal.id]);
    expect(await search(`100__\\ ${other}`)).toEqual([]);
    expect(await search(`z_${marker}`)).toEqual([]); // the slugs are z-<marker>-<n>: `_` is no wildcard for `-`
    for (const wildcard of ['%', '_', '\\']) {
      expect(await search(wildcard)).not.toEqual(expect.arrayContaining([made[0]!.id]));
    }
  });

  it.each([
    ['an unknown status', '?status=closed'],
    ['an unknown plan', '?plan=platinum'],
  ])('refuses %s with 400', async (_case, query) => {
    expectProblem(await call(admin, 'GET', `/tenants${query}`), 400, 'validation_failed');
  });

  it('refuses a forged cursor with 400 invalid_cursor', async () => {
    expectProblem(await call(admin, 'GET', '/tenants?cursor=bm90LWEtY3Vyc29y'), 400, 'invalid_cursor');
  });
});

describe('POST /api/v1/admin/tenants', () => {
  it('creates the tenant and its settings, and makes an existing user its owner', async () => {
    const user = await h.t.makeUser(); // with a password (an account without one is sent a set-password link)
    const existing = { userId: user.id, email: user.email };
    await h.t.makeMember(notAdminTenant.id, 'member', user);

    const res = await call(admin, 'POST', '/tenants', { name: 'Acme Rockets', ownerEmail: existing.email.toUpperCase(), plan: 'pro' });

    expect(res.statusCode).toBe(201);
    const body = res.json<AdminTenant & { owner: Record<string, unknown> }>();
    expect(body).toMatchObject({ name: 'Acme Rockets', slug: 'acme-rockets', status: 'active', plan: 'pro', memberCount: 1 });
    expect(body.owner).toEqual({ userId: existing.userId, email: existing.email, invited: false });
    const { rows: settings } = await h.owner.query('select display_name, locale, timezone from tenant_settings where tenant_id = $1', [body.id]);
    expect(settings).toEqual([{ display_name: 'Acme Rockets', locale: 'en', timezone: 'UTC' }]);
    const { rows: members } = await h.owner.query('select user_id, role from memberships where tenant_id = $1', [body.id]);
    expect(members).toEqual([{ user_id: existing.userId, role: 'owner' }]);
    // A notice without a token: the existing account signs in as usual (admin-sign-in.spec.ts).
    const { rows: mail } = await h.owner.query('select template from email_outbox where to_address = $1', [existing.email]);
    expect(mail).toEqual([{ template: 'owner_added' }]);
  });

  it('creates an owner without a password for an unknown email, and queues them an email with a set-password link', async () => {
    const email = `new-owner-${randomBytes(4).toString('hex')}@example.test`;

    const res = await call(admin, 'POST', '/tenants', { name: 'Fresh Start', ownerEmail: email });

    expect(res.statusCode).toBe(201);
    const body = res.json<AdminTenant & { owner: { userId: string; invited: boolean } }>();
    expect(body).toMatchObject({ plan: 'free', owner: { email, invited: true } });
    const { rows: users } = await h.owner.query('select email, password_hash, is_platform_admin from users where id = $1', [body.owner.userId]);
    expect(users).toEqual([{ email, password_hash: null, is_platform_admin: false }]);
    const { rows: members } = await h.owner.query('select role from memberships where tenant_id = $1 and user_id = $2', [body.id, body.owner.userId]);
    expect(members).toEqual([{ role: 'owner' }]);
    const { rows: mail } = await h.owner.query('select template, payload from email_outbox where to_address = $1', [email]);
    expect(mail).toEqual([
      { template: 'invitation', payload: expect.objectContaining({ tenantName: 'Fresh Start', role: 'owner', acceptUrl: expect.stringContaining('/reset-password?token=') }) },
    ]);
    const { rows: resets } = await h.owner.query('select used_at from password_resets where user_id = $1', [body.owner.userId]);
    expect(resets).toEqual([{ used_at: null }]);
  });

  it('lets the new owner in at once (an access token for the new tenant works)', async () => {
    const owner = await makeMember(h.owner, staff.id, 'member');
    const res = await call(admin, 'POST', '/tenants', { name: 'Usable', ownerEmail: owner.email });

    const tenantId = res.json<AdminTenant>().id;
    const sid = await openTestSession(h.owner, owner.userId, tenantId);
    const me = await h.t.inject({ method: 'GET', url: '/api/v1/tenant', headers: bearer(mintToken({ sub: owner.userId, tid: tenantId, sid, typ: 'access' })) });

    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ name: 'Usable', settings: { displayName: 'Usable' } });
  });

  it('is audited in the new tenant as tenant.created by platform_admin', async () => {
    const res = await call(admin, 'POST', '/tenants', { name: 'Audited Inc', ownerEmail: `a-${randomBytes(4).toString('hex')}@example.test` });
    const body = res.json<AdminTenant & { owner: { userId: string } }>();

    expect(await auditEvents(h.owner, body.id)).toEqual([
      expect.objectContaining({
        action: 'tenant.created',
        actor_type: 'platform_admin',
        actor_id: admin.userId,
        target_id: body.id,
        data: { slug: body.slug, name: 'Audited Inc', plan: 'free', ownerId: body.owner.userId, ownerInvited: true },
      }),
    ]);
  });

  it('derives the slug from the name, with a suffix when it is taken', async () => {
    const first = await call(admin, 'POST', '/tenants', { name: 'Ünïcode Café!', ownerEmail: admin.email });
    const second = await call(admin, 'POST', '/tenants', { name: 'Unicode cafe', ownerEmail: admin.email });

    expect(first.json<AdminTenant>().slug).toBe('unicode-cafe');
    expect(second.json<AdminTenant>().slug).toMatch(/^unicode-cafe-[0-9a-f]{6}$/);
  });

  it('refuses a slug that is taken with 409 tenant_slug_taken, creating nothing', async () => {
    const before = await h.owner.query('select count(*)::int as n from tenants');

    const res = await call(admin, 'POST', '/tenants', { name: 'Copycat', slug: staff.slug, ownerEmail: admin.email });

    expect(expectProblem(res, 409, 'tenant_slug_taken')).toMatchObject({ slug: staff.slug });
    expect((await h.owner.query('select count(*)::int as n from tenants')).rows).toEqual(before.rows);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['no owner email', { name: 'X' }, 'ownerEmail'],
    ['a malformed owner email', { name: 'X', ownerEmail: 'nobody' }, 'ownerEmail'],
    ['an unknown plan', { name: 'X', ownerEmail: 'x@example.test', plan: 'platinum' }, 'plan'],
    ['a slug with a space', { name: 'X', ownerEmail: 'x@example.test', slug: 'bad slug' }, 'slug'],
    ['a status', { name: 'X', ownerEmail: 'x@example.test', status: 'suspended' }, '(root)'],
  ])('refuses %s with 400', async (_case, payload, field) => {
    const problem = expectProblem(await call(admin, 'POST', '/tenants', payload), 400, 'validation_failed');
    expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });
});

describe('POST /api/v1/admin/tenants/:id/suspend and /resume', () => {
  it("suspends: the tenant's users get 403 tenant_suspended on their next request; audited as tenant.suspended", async () => {
    const { tenant, member } = await tenantWithMember();
    expect((await getTenant(member)).statusCode).toBe(200);

    const res = await call(admin, 'POST', `/tenants/${tenant.id}/suspend`, { reason: REASON });

    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: tenant.id, status: 'suspended', suspendedAt: expect.any(String) });
    expectProblem(await getTenant(member), 403, 'tenant_suspended');
    expect(await adminEvents(tenant.id, 'tenant.suspended')).toEqual([
      expect.objectContaining({ actor_type: 'platform_admin', actor_id: admin.userId, target_type: 'tenant', target_id: tenant.id, data: { reason: REASON } }),
    ]);
  });

  it('suspending twice changes nothing the second time (and audits nothing more)', async () => {
    const { tenant } = await tenantWithMember();
    await call(admin, 'POST', `/tenants/${tenant.id}/suspend`, { reason: REASON });

    const again = await call(admin, 'POST', `/tenants/${tenant.id}/suspend`, { reason: REASON });

    expect(again.json()).toMatchObject({ status: 'suspended' });
    expect(await adminEvents(tenant.id, 'tenant.suspended')).toHaveLength(1);
  });

  it('resumes: access returns; audited as tenant.resumed', async () => {
    const { tenant, member } = await tenantWithMember();
    await call(admin, 'POST', `/tenants/${tenant.id}/suspend`, { reason: REASON });

    const res = await call(admin, 'POST', `/tenants/${tenant.id}/resume`, { reason: REASON });

    expect(res.json()).toMatchObject({ status: 'active', suspendedAt: null });
    expect((await getTenant(member)).statusCode).toBe(200);
    expect(await adminEvents(tenant.id, 'tenant.resumed')).toEqual([
      expect.objectContaining({ actor_type: 'platform_admin', actor_id: admin.userId, data: { from: 'suspended', to: 'active', reason: REASON } }),
    ]);
  });

  it('refuses to suspend a deleted tenant with 409 tenant_invalid_transition', async () => {
    const { tenant } = await tenantWithMember();
    await call(admin, 'DELETE', `/tenants/${tenant.id}`, { reason: REASON });

    expectProblem(await call(admin, 'POST', `/tenants/${tenant.id}/suspend`, { reason: REASON }), 409, 'tenant_invalid_transition');
    expect(await tenantRow(tenant.id)).toMatchObject({ status: 'deleted' });
  });
});

describe('PATCH /api/v1/admin/tenants/:id/plan', () => {
  it('changes the plan; audited as tenant.plan_changed with from and to', async () => {
    const { tenant } = await tenantWithMember();

    const res = await call(admin, 'PATCH', `/tenants/${tenant.id}/plan`, { plan: 'enterprise', reason: REASON });

    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: tenant.id, plan: 'enterprise' });
    expect(await tenantRow(tenant.id)).toMatchObject({ plan: 'enterprise' });
    expect(await adminEvents(tenant.id, 'tenant.plan_changed')).toEqual([
      expect.objectContaining({ actor_type: 'platform_admin', actor_id: admin.userId, data: { from: 'free', to: 'enterprise', reason: REASON } }),
    ]);
  });

  it('refuses an unknown plan with 400, changing nothing', async () => {
    const { tenant } = await tenantWithMember();

    expectProblem(await call(admin, 'PATCH', `/tenants/${tenant.id}/plan`, { plan: 'platinum', reason: REASON }), 400, 'validation_failed');
    expect(await tenantRow(tenant.id)).toMatchObject({ plan: 'free' });
  });
});

describe('DELETE /api/v1/admin/tenants/:id', () => {
  it('schedules the erasure like the owner does: 202, access ends, the delayed job is queued; audited', async () => {
    const { tenant, member } = await tenantWithMember();

    const res = await call(admin, 'DELETE', `/tenants/${tenant.id}`, { reason: REASON });

    expect(res.statusCode).toBe(202);
    const body = res.json<AdminTenant>();
    expect(body).toMatchObject({ id: tenant.id, status: 'deleted', deletionScheduledAt: expect.any(String) });
    expect(Date.parse(body.deletionScheduledAt!)).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    expectProblem(await getTenant(member), 403, 'tenant_deleted');
    expect(await (await erasures.getJob(eraseTenantJobId(tenant.id)))?.getState()).toBe('delayed');
    expect(await adminEvents(tenant.id, 'tenant.deletion_scheduled')).toEqual([
      expect.objectContaining({ actor_type: 'platform_admin', actor_id: admin.userId, data: { deletionScheduledAt: body.deletionScheduledAt, reason: REASON } }),
    ]);
  });

  it('repeated, keeps the date and re-queues a lost job', async () => {
    const { tenant } = await tenantWithMember();
    const first = (await call(admin, 'DELETE', `/tenants/${tenant.id}`, { reason: REASON })).json<AdminTenant>();
    await erasures.remove(eraseTenantJobId(tenant.id));

    const again = await call(admin, 'DELETE', `/tenants/${tenant.id}`, { reason: REASON });

    expect(again.json<AdminTenant>().deletionScheduledAt).toBe(first.deletionScheduledAt);
    expect(await (await erasures.getJob(eraseTenantJobId(tenant.id)))?.getState()).toBe('delayed');
    expect(await adminEvents(tenant.id, 'tenant.deletion_scheduled')).toHaveLength(1);
  });

  it('is undone by resume before the erasure: job removed, access back; audited', async () => {
    const { tenant, member } = await tenantWithMember();
    await call(admin, 'DELETE', `/tenants/${tenant.id}`, { reason: REASON });

    const res = await call(admin, 'POST', `/tenants/${tenant.id}/resume`, { reason: REASON });

    expect(res.json()).toMatchObject({ status: 'active', deletionScheduledAt: null });
    expect(await erasures.getJob(eraseTenantJobId(tenant.id))).toBeUndefined();
    expect((await getTenant(member)).statusCode).toBe(200);
    expect(await adminEvents(tenant.id, 'tenant.resumed')).toEqual([
      expect.objectContaining({ actor_type: 'platform_admin', data: expect.objectContaining({ from: 'deleted', to: 'active', reason: REASON }) }),
    ]);
  });
});

describe('every admin route on a tenant id', () => {
  it.each<[string, 'GET' | 'POST' | 'PATCH' | 'DELETE', string, object | undefined]>([
    ['detail', 'GET', '', undefined],
    ['suspend', 'POST', '/suspend', { reason: REASON }],
    ['resume', 'POST', '/resume', { reason: REASON }],
    ['plan', 'PATCH', '/plan', { plan: 'pro', reason: REASON }],
    ['delete', 'DELETE', '', { reason: REASON }],
  ])('%s: 404 tenant_not_found for an unknown id, 400 for a malformed one', async (_route, method, suffix, payload) => {
    expectProblem(await call(admin, method, `/tenants/00000000-0000-4000-8000-000000000000${suffix}`, payload), 404, 'tenant_not_found');
    expectProblem(await call(admin, method, `/tenants/not-a-uuid${suffix}`, payload), 400, 'validation_failed');
  });
});

describe("the affected tenant's audit log after admin actions", () => {
  it('holds every action, in order, by platform_admin, with an intact hash chain', async () => {
    const { tenant } = await tenantWithMember();
    for (const [method, path, payload] of [
      ['POST', '/suspend', { reason: 'one' }],
      ['PATCH', '/plan', { plan: 'pro', reason: 'two' }],
      ['POST', '/resume', { reason: 'three' }],
      ['DELETE', '', { reason: 'four' }],
      ['POST', '/resume', { reason: 'five' }],
    ] as Array<['POST' | 'PATCH' | 'DELETE', string, object?]>) {
      expect((await call(admin, method, `/tenants/${tenant.id}${path}`, payload)).statusCode).toBeLessThan(300);
    }

    const events = await auditEvents(h.owner, tenant.id);

    expect(events.map((e) => [e.action, e.actor_type, e.actor_id])).toEqual(
      ['tenant.suspended', 'tenant.plan_changed', 'tenant.resumed', 'tenant.deletion_scheduled', 'tenant.resumed'].map((a) => [a, 'platform_admin', admin.userId]),
    );
    expect(events.map((e) => (e.data as { reason?: string }).reason)).toEqual(['one', 'two', 'three', 'four', 'five']);
    const check = await h.t.app.get(TenantContext).run({ tenantId: tenant.id }, () => h.t.app.get(AuditLog).verify());
    expect(check).toMatchObject({ ok: true, checked: 5 });
  });
});

describe('a lifecycle action needs a reason', () => {
  const routes: Array<[string, 'POST' | 'PATCH' | 'DELETE', string, Record<string, unknown>]> = [
    ['suspend', 'POST', '/suspend', {}],
    ['resume', 'POST', '/resume', {}],
    ['plan', 'PATCH', '/plan', { plan: 'pro' }],
    ['delete', 'DELETE', '', {}],
  ];

  it.each(
    routes.flatMap(([route, method, suffix, extra]) =>
      (
        [
          ['no reason', extra],
          ['a blank reason', { ...extra, reason: '   \n ' }],
          ['a reason of 501 characters', { ...extra, reason: 'x'.repeat(501) }],
          ['a reason that is no string', { ...extra, reason: 42 }],
        ] as Array<[string, Record<string, unknown>]>
      ).map(([what, payload]) => [route, what, method, suffix, payload] as const),
    ),
  )('%s with %s: 400 validation_failed on reason, nothing changed, nothing audited', async (_route, _what, method, suffix, payload) => {
    const { tenant } = await tenantWithMember();
    if (suffix === '/resume') await h.owner.query(`update tenants set status = 'suspended', suspended_at = now() where id = $1`, [tenant.id]);
    const before = await tenantRow(tenant.id);

    const problem = expectProblem(await call(admin, method, `/tenants/${tenant.id}${suffix}`, payload), 400, 'validation_failed');

    expect(problem.errors).toEqual([expect.objectContaining({ field: 'reason' })]);
    expect(await tenantRow(tenant.id)).toEqual(before);
    expect(await auditEvents(h.owner, tenant.id)).toEqual([]);
  });

  it('without any body at all: 400, the tenant stays active', async () => {
    const { tenant } = await tenantWithMember();

    expectProblem(await call(admin, 'POST', `/tenants/${tenant.id}/suspend`), 400, 'validation_failed');
    expect(await tenantRow(tenant.id)).toMatchObject({ status: 'active' });
  });

  it('is recorded trimmed, and a reason of exactly 500 characters is accepted', async () => {
    const { tenant } = await tenantWithMember();
    const long = 'r'.repeat(500);

    expect((await call(admin, 'POST', `/tenants/${tenant.id}/suspend`, { reason: '  Chargeback fraud \n' })).statusCode).toBe(200);
    expect((await call(admin, 'POST', `/tenants/${tenant.id}/resume`, { reason: long })).statusCode).toBe(200);

    const events = await auditEvents(h.owner, tenant.id);
    expect(events.map((e) => [e.action, (e.data as { reason: string }).reason])).toEqual([
      ['tenant.suspended', 'Chargeback fraud'],
      ['tenant.resumed', long],
    ]);
  });

  it('refuses fields beyond plan and reason with 400', async () => {
    const { tenant } = await tenantWithMember();

    expectProblem(await call(admin, 'POST', `/tenants/${tenant.id}/suspend`, { reason: REASON, status: 'active' }), 400, 'validation_failed');
    expect(await tenantRow(tenant.id)).toMatchObject({ status: 'active' });
  });
});

interface TenantDetail {
  tenant: AdminTenant;
  members: Array<{ userId: string; email: string; name: string; role: string; joinedAt: string }>;
  usage: { periodStart: string; resetAt: string; metrics: Array<{ metric: string; used: number; reserved: number; limit: number | null }> };
  subscription: Record<string, unknown>;
  auditEvents: Array<{ seq: string; action: string; actorType: string; actorId: string | null; actorEmail: string | null; data: Record<string, unknown> }>;
}

describe('GET /api/v1/admin/tenants/:id', () => {
  const periodStart = `${new Date().toISOString().slice(0, 7)}-01`;

  it('shows the tenant, its members oldest first, usage against the plan, the subscription and the latest audit events', async () => {
    const tenant = await h.t.makeTenant();
    const owner = await makeMember(h.owner, tenant.id, 'owner');
    const member = await makeMember(h.owner, tenant.id, 'member');
    await h.owner.query(`update memberships set created_at = now() - interval '1 day' where user_id = $1`, [owner.userId]);
    await h.owner.query(`update tenants set plan = 'pro' where id = $1`, [tenant.id]);
    await h.owner.query(`insert into usage_counters (tenant_id, metric, period_start, used, reserved) values ($1, 'messages', $2, 7, 2), ($1, 'tokens', $2, 1234, 0)`, [
      tenant.id,
      periodStart,
    ]);
    await h.owner.query(
      `insert into billing_accounts (tenant_id, stripe_customer_id, stripe_subscription_id, subscription_status, stripe_price_id, current_period_end)
       values ($1, $2, 'sub_detail', 'active', 'price_pro', '2030-01-01T00:00:00Z')`,
      [tenant.id, `cus_${randomBytes(6).toString('hex')}`],
    );
    await call(admin, 'POST', `/tenants/${tenant.id}/suspend`, { reason: 'Unpaid invoice' });
    const { rows: plans } = await h.owner.query<{ limits: Record<string, number> }>(`select limits from plans where id = 'pro'`);

    const res = await call(admin, 'GET', `/tenants/${tenant.id}`);

    expect(res.statusCode).toBe(200);
    const detail = res.json<TenantDetail>();
    expect(detail.tenant).toMatchObject({ id: tenant.id, slug: tenant.slug, status: 'suspended', plan: 'pro', memberCount: 2, ownerEmail: owner.email });
    expect(detail.members).toEqual([
      { userId: owner.userId, email: owner.email, name: 'User owner', role: 'owner', joinedAt: expect.any(String) },
      { userId: member.userId, email: member.email, name: 'User member', role: 'member', joinedAt: expect.any(String) },
    ]);
    expect(detail.usage.periodStart).toBe(periodStart);
    expect(detail.usage.metrics).toEqual(
      expect.arrayContaining([
        { metric: 'messages', used: 7, reserved: 2, limit: plans[0]!.limits.messages_per_month },
        { metric: 'tokens', used: 1234, reserved: 0, limit: plans[0]!.limits.tokens_per_month },
        { metric: 'seats', used: 2, reserved: 0, limit: plans[0]!.limits.seats },
      ]),
    );
    expect(detail.subscription).toMatchObject({
      status: 'active',
      stripeSubscriptionId: 'sub_detail',
      stripeCustomerId: expect.stringMatching(/^cus_/),
      stripePriceId: 'price_pro',
      currentPeriodEnd: '2030-01-01T00:00:00.000Z',
      cancelAtPeriodEnd: false,
    });
    expect(detail.auditEvents[0]).toMatchObject({
      action: 'tenant.suspended',
      actorType: 'platform_admin',
      actorId: admin.userId,
      actorEmail: admin.email,
      data: { reason: 'Unpaid invoice' },
    });
  });

  it('reads only that tenant: another tenant’s usage and members do not leak in', async () => {
    const tenant = await h.t.makeTenant();
    const other = await h.t.makeTenant();
    await makeMember(h.owner, other.id, 'owner');
    await h.owner.query(`insert into usage_counters (tenant_id, metric, period_start, used) values ($1, 'messages', $2, 99)`, [other.id, periodStart]);

    const detail = (await call(admin, 'GET', `/tenants/${tenant.id}`)).json<TenantDetail>();

    expect(detail.members).toEqual([]);
    expect(detail.usage.metrics.find((m) => m.metric === 'messages')).toMatchObject({ used: 0 });
    expect(detail.subscription).toEqual({
      status: 'none',
      stripeCustomerId: null,
      stripeSubscriptionId: null,
      stripePriceId: null,
      currentPeriodEnd: null,
      cancelAtPeriodEnd: false,
      graceUntil: null,
      billingSuspendedAt: null,
    });
    expect(detail.auditEvents).toEqual([]);
  });

  it('shows the first 50 members with the total, and the 20 latest audit events, newest first', async () => {
    const tenant = await h.t.makeTenant();
    await h.owner.query(
      `with made as (
         insert into users (email, name) select 'bulk-' || $2 || '-' || i || '@example.test', 'Bulk ' || i from generate_series(1, 52) i returning id, name
       )
       insert into memberships (tenant_id, user_id, role, created_at)
       select $1, id, 'member', now() - make_interval(secs => 100 - split_part(name, ' ', 2)::int) from made`,
      [tenant.id, randomBytes(4).toString('hex')],
    );
    for (let i = 0; i < 11; i++) {
      await call(admin, 'POST', `/tenants/${tenant.id}/suspend`, { reason: `suspend ${i}` });
      await call(admin, 'POST', `/tenants/${tenant.id}/resume`, { reason: `resume ${i}` });
    }

    const detail = (await call(admin, 'GET', `/tenants/${tenant.id}`)).json<TenantDetail>();

    expect(detail.tenant.memberCount).toBe(52);
    expect(detail.members).toHaveLength(50);
    expect(detail.members.map((m) => m.name).slice(0, 3)).toEqual(['Bulk 1', 'Bulk 2', 'Bulk 3']);
    expect(detail.auditEvents).toHaveLength(20);
    expect(detail.auditEvents.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => String(22 - i)));
    expect(detail.auditEvents[0]!.data).toMatchObject({ reason: 'resume 10' });
  });
});
