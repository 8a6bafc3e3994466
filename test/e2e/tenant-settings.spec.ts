import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { expectProblem, type TestTenant } from '../support/http-app.js';
import { auditEvents, type Harness, makeMember, type Member, setTenantStatus, startHarness } from './tenant-helpers.js';

/**
 * GET and PATCH /api/v1/tenant: the tenant's profile and settings, changed by those holding
 * settings:update, validated field by field, audited with the fields that changed.
 */

let h: Harness;
let tenantA: TestTenant;
let tenantB: TestTenant;
let adminA: Member;
let memberA: Member;
let ownerB: Member;

beforeAll(async () => {
  h = await startHarness();
  tenantA = await h.t.makeTenant({ displayName: 'Alpha Ltd' });
  tenantB = await h.t.makeTenant({ displayName: 'Beta GmbH' });
  adminA = await makeMember(h.owner, tenantA.id, 'admin');
  memberA = await makeMember(h.owner, tenantA.id, 'member');
  ownerB = await makeMember(h.owner, tenantB.id, 'owner');
});

afterAll(async () => {
  await h?.close();
});

const patch = (who: Member, payload: unknown) => h.t.inject({ method: 'PATCH', url: '/api/v1/tenant', headers: who.auth, payload: payload as object });
const get = (who: Member) => h.t.inject({ method: 'GET', url: '/api/v1/tenant', headers: who.auth });

describe('PATCH /api/v1/tenant', () => {
  it('changes the name and settings given, leaves the others, and answers with the tenant', async () => {
    const res = await patch(adminA, { name: 'Alpha Group', locale: 'fr-fr', timezone: 'europe/paris', supportEmail: 'help@alpha.test' });

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      id: tenantA.id,
      slug: tenantA.slug,
      name: 'Alpha Group',
      status: 'active',
      createdAt: expect.any(String),
      // Canonical forms: the locale's case, the zone's IANA spelling.
      settings: { displayName: 'Alpha Ltd', locale: 'fr-FR', timezone: 'Europe/Paris', supportEmail: 'help@alpha.test' },
    });
    expect((await get(memberA)).json()).toEqual(res.json());
  });

  it('audits tenant.settings_updated with the fields that changed and their new values', async () => {
    await patch(adminA, { displayName: 'Alpha Holdings', timezone: 'America/New_York', locale: 'fr-FR' });

    const events = await auditEvents(h.owner, tenantA.id, 'tenant.settings_updated');
    expect(events.at(-1)).toMatchObject({
      actor_type: 'user',
      actor_id: adminA.userId,
      target_type: 'tenant',
      target_id: tenantA.id,
      // locale was fr-FR already: not a change.
      data: { fields: ['displayName', 'timezone'], values: { displayName: 'Alpha Holdings', timezone: 'America/New_York' } },
    });
  });

  it('records nothing when nothing changes', async () => {
    const before = await auditEvents(h.owner, tenantA.id);

    const res = await patch(adminA, { displayName: 'Alpha Holdings' });

    expect(res.statusCode).toBe(200);
    expect(await auditEvents(h.owner, tenantA.id)).toEqual(before);
  });

  it('clears the support email with null', async () => {
    const res = await patch(adminA, { supportEmail: null });

    expect(res.json<{ settings: { supportEmail: unknown } }>().settings.supportEmail).toBeNull();
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an unknown time zone', { timezone: 'Mars/Olympus_Mons' }, 'timezone'],
    ['a UTC offset instead of a zone', { timezone: '+02:00' }, 'timezone'],
    ['a locale with an underscore', { locale: 'en_US' }, 'locale'],
    ['a locale that is not a language tag', { locale: 'english please' }, 'locale'],
    ['a malformed support email', { supportEmail: 'help-at-alpha' }, 'supportEmail'],
    ['an empty name', { name: '   ' }, 'name'],
    ['a field that is not a setting (status)', { status: 'active' }, '(root)'],
    ['a field that is not a setting (plan)', { plan: 'enterprise' }, '(root)'],
    ['an empty body', {}, '(root)'],
  ])('refuses %s with 400 naming the field, and changes nothing', async (_case, payload, field) => {
    const before = await h.owner.query('select t.*, s.* from tenants t join tenant_settings s on s.tenant_id = t.id where t.id = $1', [tenantA.id]);

    const res = await patch(adminA, payload);

    const problem = expectProblem(res, 400, 'validation_failed');
    expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    const after = await h.owner.query('select t.*, s.* from tenants t join tenant_settings s on s.tenant_id = t.id where t.id = $1', [tenantA.id]);
    expect(after.rows).toEqual(before.rows);
  });

  it('is 403 for a member without settings:update, and changes nothing', async () => {
    const res = await patch(memberA, { name: 'Hijacked' });

    expectProblem(res, 403, 'forbidden');
    expect((await get(memberA)).json<{ name: string }>().name).toBe('Alpha Group');
  });

  it("changes only the caller's own tenant", async () => {
    await patch(ownerB, { name: 'Beta Renamed', locale: 'de-DE' });

    expect((await get(adminA)).json()).toMatchObject({ name: 'Alpha Group', settings: { locale: 'fr-FR' } });
    expect((await get(ownerB)).json()).toMatchObject({ id: tenantB.id, name: 'Beta Renamed', settings: { locale: 'de-DE' } });
  });
});

describe('a suspended tenant', () => {
  it('gets 403 tenant_suspended on GET and PATCH /api/v1/tenant', async () => {
    const tenant = await h.t.makeTenant();
    const admin = await makeMember(h.owner, tenant.id, 'admin');
    expect((await get(admin)).statusCode).toBe(200);

    await setTenantStatus(h.owner, tenant.id, 'suspended');

    expectProblem(await get(admin), 403, 'tenant_suspended');
    expectProblem(await patch(admin, { name: 'still here?' }), 403, 'tenant_suspended');
  });
});
