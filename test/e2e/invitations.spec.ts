import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InvitationsModule } from '../../src/modules/auth/invitations/invitations.module.js';
import { MembersModule } from '../../src/modules/tenant/members/members.module.js';
import { OutboxDelivery } from '../../src/platform/mail/outbox-delivery.js';
import { bearer, createTestApp, DEFAULT_PASSWORD, expectProblem, mintToken, openTestSession, type TestApp, type TestMember } from '../support/http-app.js';
import { auditEvents, makeApiKey, roleOf } from './members-factories.js';

/**
 * Invitations end to end: created by holders of members:invite (never for the owner role), emailed
 * through the outbox with a single-use, expiring link whose token is stored hashed; listed and
 * revoked inside the tenant only; accepted by a new person (who registers) or by an existing
 * account (which must prove itself). An unknown, expired, revoked or used token gets one answer.
 */

const APP_BASE_URL = 'https://app.example.test';
const TTL_HOURS = 48;
const TOKEN_FORMAT = /^[0-9a-f]{32}\.[A-Za-z0-9_-]{43}$/;

let t: TestApp;
let mailDir: string;

beforeAll(async () => {
  mailDir = await mkdtemp(path.join(os.tmpdir(), 'tenantry-invitations-mail-'));
  t = await createTestApp({
    imports: [MembersModule, InvitationsModule],
    env: { MAIL_FILE_DIR: mailDir, APP_BASE_URL, INVITATION_TTL_HOURS: String(TTL_HOURS), LOG_LEVEL: process.env.DEBUG_LOG ?? 'silent' },
  });
});

afterAll(async () => {
  await t?.close();
  await rm(mailDir, { recursive: true, force: true });
});

interface Invitation {
  id: string;
  email: string;
  role: string;
  invitedBy: string | null;
  createdAt: string;
  expiresAt: string;
}

const invite = (headers: Record<string, string>, payload: unknown) =>
  t.inject({ method: 'POST', url: '/api/v1/invitations', headers, payload: payload as object });
const listInvitations = (who: TestMember, query = '') => t.inject({ method: 'GET', url: `/api/v1/invitations${query}`, headers: who.auth });
const revoke = (who: TestMember, id: string) => t.inject({ method: 'DELETE', url: `/api/v1/invitations/${id}`, headers: who.auth });
const accept = (payload: unknown, headers: Record<string, string> = {}) =>
  t.inject({ method: 'POST', url: '/api/v1/invitations/accept', headers, payload: payload as object });

const freshEmail = (): string => `invitee-${randomUUID().slice(0, 8)}@example.test`;
const sha256 = (value: string): Buffer => createHash('sha256').update(value).digest();

async function tenantWithAdmin(): Promise<{ tenantId: string; name: string; owner: TestMember; admin: TestMember }> {
  const tenant = await t.makeTenant();
  // The pro plan's 25 seats: these tests invite more people than the free plan's 3 seats allow.
  await t.owner.query(`update tenants set plan = 'pro' where id = $1`, [tenant.id]);
  return { tenantId: tenant.id, name: tenant.name, owner: await t.makeMember(tenant.id, 'owner'), admin: await t.makeMember(tenant.id, 'admin') };
}

interface OutboxRow {
  id: string;
  to_address: string;
  template: string;
  payload: Record<string, string>;
  status: string;
}

/** The newest invitation email to `email`, and the token its link carries. */
async function lastInvitationEmail(email: string): Promise<{ row: OutboxRow; token: string }> {
  const { rows } = await t.owner.query<OutboxRow>(
    `select id, to_address, template, payload, status from email_outbox where to_address = $1 and template = 'invitation' order by created_at desc limit 1`,
    [email],
  );
  const row = rows[0];
  if (!row) throw new Error(`no invitation email to ${email}`);
  return { row, token: new URL(row.payload.acceptUrl!).searchParams.get('token')! };
}

/** Invites `email` as `role` through the API; returns the invitation and the token its email carries. */
async function invited(by: TestMember, email = freshEmail(), role = 'member'): Promise<Invitation & { token: string }> {
  const res = await invite(by.auth, { email, role });
  expect(res.statusCode).toBe(201);
  return { ...res.json<Invitation>(), token: (await lastInvitationEmail(email)).token };
}

async function invitationRow(tenantId: string, id: string): Promise<Record<string, unknown>> {
  const { rows } = await t.owner.query('select * from invitations where tenant_id = $1 and id = $2', [tenantId, id]);
  return rows[0] as Record<string, unknown>;
}

async function userByEmail(email: string): Promise<{ id: string; name: string; password_hash: string | null } | undefined> {
  const { rows } = await t.owner.query('select id, name, password_hash from users where email = $1', [email]);
  return rows[0] as { id: string; name: string; password_hash: string | null } | undefined;
}

describe('POST /api/v1/invitations', () => {
  it('creates an invitation (201), shows no token, stores only its hash, and emails the link in the same unit of work', async () => {
    const { tenantId, name, admin } = await tenantWithAdmin();
    const email = freshEmail();

    const res = await invite(admin.auth, { email, role: 'billing' });

    expect(res.statusCode).toBe(201);
    const body = res.json<Invitation>();
    expect(body).toEqual({ id: expect.any(String), email, role: 'billing', invitedBy: admin.id, createdAt: expect.any(String), expiresAt: expect.any(String) });
    expect(Date.parse(body.expiresAt) - Date.parse(body.createdAt)).toBeGreaterThan(TTL_HOURS * 3_600_000 - 5_000);
    expect(Date.parse(body.expiresAt) - Date.parse(body.createdAt)).toBeLessThan(TTL_HOURS * 3_600_000 + 5_000);

    const { row, token } = await lastInvitationEmail(email);
    expect(token).toMatch(TOKEN_FORMAT);
    expect(token.startsWith(tenantId.replace(/-/g, ''))).toBe(true);
    expect(res.body).not.toContain(token.split('.')[1]);
    expect(row.payload).toEqual({
      tenantName: name,
      inviterName: admin.name,
      role: 'billing',
      acceptUrl: `${APP_BASE_URL}/accept-invitation?token=${token}`,
      expiresAt: body.expiresAt,
    });
    const stored = await invitationRow(tenantId, body.id);
    expect(Buffer.compare(stored.token_hash as Buffer, sha256(token))).toBe(0);
    expect(JSON.stringify(stored)).not.toContain(token.split('.')[1]);
    expect(await auditEvents(t, tenantId, 'invitation.created')).toEqual([
      expect.objectContaining({ actor_id: admin.id, target_id: body.id, data: { email, role: 'billing' } }),
    ]);
  });

  it('normalizes the address (trimmed, lower case)', async () => {
    const { admin } = await tenantWithAdmin();
    const email = freshEmail();

    const res = await invite(admin.auth, { email: `  ${email.toUpperCase()} `, role: 'member' });

    expect(res.statusCode).toBe(201);
    expect(res.json<Invitation>().email).toBe(email);
  });

  it.each<[string, Record<string, unknown>]>([
    ['the owner role', { role: 'owner' }],
    ['an unknown role', { role: 'root' }],
    ['a tenantId', { role: 'member', tenantId: randomUUID() }],
    ['an invitedBy', { role: 'member', invitedBy: randomUUID() }],
    ['an expiresAt', { role: 'member', expiresAt: '2099-01-01T00:00:00Z' }],
    ['a token', { role: 'member', token: 'chosen-by-me' }],
    ['no role', {}],
  ])('refuses a body with %s (400), and invites nobody', async (_name, extra) => {
    const { tenantId, owner } = await tenantWithAdmin();

    expectProblem(await invite(owner.auth, { email: freshEmail(), ...extra }), 400, 'validation_failed');

    expect((await t.owner.query('select 1 from invitations where tenant_id = $1', [tenantId])).rowCount).toBe(0);
  });

  it('refuses an address that is not one (400)', async () => {
    const { owner } = await tenantWithAdmin();

    expectProblem(await invite(owner.auth, { email: 'not-an-address', role: 'member' }), 400, 'validation_failed');
  });

  it('refuses members and billing users (403): inviting needs members:invite', async () => {
    const { tenantId } = await tenantWithAdmin();
    const member = await t.makeMember(tenantId, 'member');
    const billing = await t.makeMember(tenantId, 'billing');

    expectProblem(await invite(member.auth, { email: freshEmail(), role: 'member' }), 403, 'forbidden');
    expectProblem(await invite(billing.auth, { email: freshEmail(), role: 'member' }), 403, 'forbidden');
  });

  it('lets an admin invite admins', async () => {
    const { admin } = await tenantWithAdmin();

    expect((await invite(admin.auth, { email: freshEmail(), role: 'admin' })).statusCode).toBe(201);
  });

  it('refuses to invite a member of the tenant (409 already_member), whatever the case of the address', async () => {
    const { tenantId, admin } = await tenantWithAdmin();
    const member = await t.makeMember(tenantId, 'member');

    expectProblem(await invite(admin.auth, { email: member.email.toUpperCase(), role: 'admin' }), 409, 'already_member');
  });

  it('invites a member of another tenant (membership is per tenant)', async () => {
    const { admin } = await tenantWithAdmin();
    const elsewhere = await t.makeMember((await t.makeTenant()).id, 'owner');

    expect((await invite(admin.auth, { email: elsewhere.email, role: 'member' })).statusCode).toBe(201);
  });

  it('replaces an open invitation to the same address: the old link stops working', async () => {
    const { tenantId, admin } = await tenantWithAdmin();
    const email = freshEmail();
    const first = await invited(admin, email);

    const second = await invited(admin, email, 'admin');

    expect(second.token).not.toBe(first.token);
    expectProblem(await accept({ token: first.token, name: 'N', password: DEFAULT_PASSWORD }), 400, 'invitation_invalid');
    expect((await listInvitations(admin)).json<{ data: Invitation[] }>().data.map((i) => i.id)).toEqual([second.id]);
    expect(await auditEvents(t, tenantId, 'invitation.revoked')).toEqual([
      expect.objectContaining({ target_id: first.id, data: { email, reason: 'replaced' } }),
    ]);
  });

  it('lets an API key with members:invite invite, with no user as the inviter', async () => {
    const { tenantId, admin } = await tenantWithAdmin();
    const key = await makeApiKey(t, tenantId, ['members:invite'], admin.id);
    const email = freshEmail();

    const res = await invite({ 'x-api-key': key }, { email, role: 'member' });

    expect(res.statusCode).toBe(201);
    expect(res.json<Invitation>().invitedBy).toBeNull();
    expect((await lastInvitationEmail(email)).row.payload.inviterName).toBe('An administrator');
  });
});

describe('GET /api/v1/invitations', () => {
  it('lists the tenant’s acceptable invitations, newest first, and never a token or its hash', async () => {
    const { tenantId, admin } = await tenantWithAdmin();
    const expired = await invited(admin);
    const revoked = await invited(admin);
    const used = await invited(admin);
    const older = await invited(admin);
    const newer = await invited(admin);
    await t.owner.query(`update invitations set expires_at = now() - interval '1 minute' where id = $1`, [expired.id]);
    await t.owner.query(`update invitations set created_at = created_at - interval '1 minute' where id = $1`, [older.id]);
    expect((await revoke(admin, revoked.id)).statusCode).toBe(204);
    expect((await accept({ token: used.token, name: 'Used', password: DEFAULT_PASSWORD })).statusCode).toBe(200);
    await invited(await t.makeMember((await t.makeTenant()).id, 'owner')); // another tenant's

    const res = await listInvitations(admin);

    expect(res.statusCode).toBe(200);
    expect(res.json<{ data: Invitation[] }>().data.map((i) => i.id)).toEqual([newer.id, older.id]);
    expect(res.body).not.toMatch(/token/i);
    expect(res.body).not.toContain(newer.token.split('.')[1]);
    expect(tenantId).toBeDefined();
  });

  it('pages with a cursor', async () => {
    const { admin } = await tenantWithAdmin();
    const older = await invited(admin);
    await t.owner.query(`update invitations set created_at = created_at - interval '1 minute' where id = $1`, [older.id]);
    const newer = await invited(admin);

    const first = await listInvitations(admin, '?limit=1');
    const second = await listInvitations(admin, `?limit=1&cursor=${first.json<{ nextCursor: string }>().nextCursor}`);

    expect(first.json<{ data: Invitation[] }>().data.map((i) => i.id)).toEqual([newer.id]);
    expect(second.json()).toEqual({ data: [expect.objectContaining({ id: older.id })], nextCursor: null });
  });

  it('needs members:invite (403 for a member)', async () => {
    const { tenantId } = await tenantWithAdmin();

    expectProblem(await listInvitations(await t.makeMember(tenantId, 'member')), 403, 'forbidden');
  });
});

describe('DELETE /api/v1/invitations/:id', () => {
  it('revokes an open invitation (204, audited); its link stops working; revoking again is 404', async () => {
    const { tenantId, admin } = await tenantWithAdmin();
    const invitation = await invited(admin);

    expect((await revoke(admin, invitation.id)).statusCode).toBe(204);

    expectProblem(await accept({ token: invitation.token, name: 'N', password: DEFAULT_PASSWORD }), 400, 'invitation_invalid');
    expect(await auditEvents(t, tenantId, 'invitation.revoked')).toEqual([
      expect.objectContaining({ actor_id: admin.id, target_id: invitation.id, data: { email: invitation.email, reason: 'revoked' } }),
    ]);
    expectProblem(await revoke(admin, invitation.id), 404, 'invitation_not_found');
  });

  it("answers 404 for another tenant's invitation, which stays open and usable", async () => {
    const a = await tenantWithAdmin();
    const b = await tenantWithAdmin();
    const theirs = await invited(b.admin);

    expectProblem(await revoke(a.owner, theirs.id), 404, 'invitation_not_found');

    expect((await invitationRow(b.tenantId, theirs.id)).revoked_at).toBeNull();
    expect((await accept({ token: theirs.token, name: 'Still valid', password: DEFAULT_PASSWORD })).statusCode).toBe(200);
  });

  it('answers 404 for an unknown id and 400 for an id that is not a uuid', async () => {
    const { admin } = await tenantWithAdmin();

    expectProblem(await revoke(admin, randomUUID()), 404, 'invitation_not_found');
    expectProblem(await revoke(admin, 'nope'), 400, 'validation_failed');
  });
});

describe('POST /api/v1/invitations/accept, as someone new', () => {
  it('creates the account (argon2id) and the membership, marks the invitation used, audits, and answers { tenantId, userId, role }', async () => {
    const { tenantId, admin } = await tenantWithAdmin();
    const invitation = await invited(admin, freshEmail(), 'admin');

    const res = await accept({ token: invitation.token, name: 'Grace Hopper', password: DEFAULT_PASSWORD });

    expect(res.statusCode).toBe(200);
    const body = res.json<{ tenantId: string; userId: string; role: string }>();
    expect(body).toEqual({ tenantId, userId: expect.any(String), role: 'admin' });
    const user = await userByEmail(invitation.email);
    expect(user).toEqual({ id: body.userId, name: 'Grace Hopper', password_hash: expect.stringMatching(/^\$argon2id\$/) });
    expect(await roleOf(t, tenantId, body.userId)).toBe('admin');
    expect(await invitationRow(tenantId, invitation.id)).toMatchObject({ accepted_at: expect.any(Date), accepted_by: body.userId });
    expect(await auditEvents(t, tenantId, 'invitation.accepted')).toEqual([
      expect.objectContaining({
        actor_type: 'user',
        actor_id: body.userId,
        target_id: invitation.id,
        data: { email: invitation.email, role: 'admin', userId: body.userId, newAccount: true },
      }),
    ]);
    const asNewcomer = await t.inject({ method: 'GET', url: '/api/v1/members', headers: bearer(mintToken({ sub: body.userId, tid: tenantId, sid: await openTestSession(t.owner, body.userId, tenantId) })) });
    expect(asNewcomer.statusCode).toBe(200);
  });

  it('needs a name and a password that meets the policy (400), and the link keeps working', async () => {
    const { admin } = await tenantWithAdmin();
    const invitation = await invited(admin);

    expectProblem(await accept({ token: invitation.token }), 400, 'validation_failed');
    expectProblem(await accept({ token: invitation.token, name: 'No Password' }), 400, 'validation_failed');
    expectProblem(await accept({ token: invitation.token, password: DEFAULT_PASSWORD }), 400, 'validation_failed');
    expectProblem(await accept({ token: invitation.token, name: 'Weak', password: 'short' }), 400, 'validation_failed');
    expectProblem(await accept({ token: invitation.token, name: 'Common', password: 'password123' }), 400, 'validation_failed');
    expectProblem(await accept({ token: invitation.token, name: 'Extra', password: DEFAULT_PASSWORD, role: 'owner' }), 400, 'validation_failed');

    expect(await userByEmail(invitation.email)).toBeUndefined();
    expect((await accept({ token: invitation.token, name: 'Finally', password: DEFAULT_PASSWORD })).statusCode).toBe(200);
  });

  it('works once: reusing the link is invitation_invalid', async () => {
    const { admin } = await tenantWithAdmin();
    const invitation = await invited(admin);
    expect((await accept({ token: invitation.token, name: 'Once', password: DEFAULT_PASSWORD })).statusCode).toBe(200);

    expectProblem(await accept({ token: invitation.token, name: 'Twice', password: DEFAULT_PASSWORD }), 400, 'invitation_invalid');
  });

  it('expires: an expired link is invitation_invalid, and creates nobody', async () => {
    const { admin } = await tenantWithAdmin();
    const invitation = await invited(admin);
    await t.owner.query(`update invitations set expires_at = now() - interval '1 second' where id = $1`, [invitation.id]);

    expectProblem(await accept({ token: invitation.token, name: 'Late', password: DEFAULT_PASSWORD }), 400, 'invitation_invalid');

    expect(await userByEmail(invitation.email)).toBeUndefined();
  });

  it('gives one answer for every unusable token: used, expired, revoked, unknown, tampered, another tenant’s prefix', async () => {
    const { admin } = await tenantWithAdmin();
    const other = await tenantWithAdmin();
    const [used, expired, revoked, valid] = [await invited(admin), await invited(admin), await invited(admin), await invited(admin)];
    await accept({ token: used.token, name: 'Used', password: DEFAULT_PASSWORD });
    await t.owner.query(`update invitations set expires_at = now() - interval '1 second' where id = $1`, [expired.id]);
    await revoke(admin, revoked.id);
    const [, secret] = valid.token.split('.');
    const tokens = [
      used.token,
      expired.token,
      revoked.token,
      `${other.tenantId.replace(/-/g, '')}.${secret}`,
      `${valid.token.slice(0, -1)}${valid.token.endsWith('A') ? 'B' : 'A'}`,
      `${randomUUID().replace(/-/g, '')}.${secret}`,
      'not-a-token',
    ];

    const answers = await Promise.all(tokens.map((token) => accept({ token, name: 'Nobody', password: DEFAULT_PASSWORD })));

    const bodies = answers.map((res) => {
      const { status, code, title, detail, type } = expectProblem(res, 400, 'invitation_invalid');
      return { status, code, title, detail, type };
    });
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    expect((await accept({ token: valid.token, name: 'Valid', password: DEFAULT_PASSWORD })).statusCode).toBe(200);
  });

  it('refuses an invitation into a deleted tenant (invitation_invalid)', async () => {
    const { tenantId, admin } = await tenantWithAdmin();
    const invitation = await invited(admin);
    await t.owner.query(`update tenants set status = 'deleted', deleted_at = now() where id = $1`, [tenantId]);

    expectProblem(await accept({ token: invitation.token, name: 'Too Late', password: DEFAULT_PASSWORD }), 400, 'invitation_invalid');

    expect(await userByEmail(invitation.email)).toBeUndefined();
  });

  it('lets exactly one of two concurrent accepts win', async () => {
    const { tenantId, admin } = await tenantWithAdmin();
    const invitation = await invited(admin);

    const answers = await Promise.all([
      accept({ token: invitation.token, name: 'First', password: DEFAULT_PASSWORD }),
      accept({ token: invitation.token, name: 'Second', password: DEFAULT_PASSWORD }),
    ]);

    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 400]);
    const { rows } = await t.owner.query('select m.user_id from memberships m join users u on u.id = m.user_id where m.tenant_id = $1 and u.email = $2', [
      tenantId,
      invitation.email,
    ]);
    expect(rows).toHaveLength(1);
  });
});

describe('POST /api/v1/invitations/accept, as an existing account', () => {
  async function existingAccountInvited(role = 'member') {
    const { tenantId, admin } = await tenantWithAdmin();
    const home = await t.makeTenant();
    const person = await t.makeMember(home.id, 'owner');
    const invitation = await invited(admin, person.email, role);
    return { tenantId, admin, person, invitation };
  }

  it('joins with the account’s password, without creating another account', async () => {
    const { tenantId, person, invitation } = await existingAccountInvited('billing');

    const res = await accept({ token: invitation.token, password: DEFAULT_PASSWORD });

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ tenantId, userId: person.id, role: 'billing' });
    expect(await roleOf(t, tenantId, person.id)).toBe('billing');
    expect((await t.owner.query('select 1 from users where email = $1', [person.email])).rowCount).toBe(1);
    expect((await auditEvents(t, tenantId, 'invitation.accepted'))[0]?.data).toMatchObject({ userId: person.id, newAccount: false });
  });

  it('joins with an access token of that account (Authorization: Bearer)', async () => {
    const { tenantId, person, invitation } = await existingAccountInvited();

    const res = await accept({ token: invitation.token }, person.auth);

    expect(res.statusCode).toBe(200);
    expect(await roleOf(t, tenantId, person.id)).toBe('member');
  });

  it('refuses without proof (401 proof_required), and the link stays usable by the owner of the account', async () => {
    const { tenantId, person, invitation } = await existingAccountInvited();

    expectProblem(await accept({ token: invitation.token }), 401, 'proof_required');
    expectProblem(await accept({ token: invitation.token, name: 'Impostor', password: 'a brand new password!' }), 401, 'invalid_credentials');

    expect(await roleOf(t, tenantId, person.id)).toBeNull();
    expect((await accept({ token: invitation.token, password: DEFAULT_PASSWORD })).statusCode).toBe(200);
  });

  it("refuses someone else's token, a forged one, and an API key as proof (401 invalid_credentials)", async () => {
    const { tenantId, person, invitation } = await existingAccountInvited();
    const someoneElse = await t.makeMember((await t.makeTenant()).id, 'owner');
    const forged = mintToken({ sub: person.id, tid: someoneElse.tenantId }, { secret: 'x'.repeat(48) });
    const notAMember = mintToken({ sub: person.id, tid: someoneElse.tenantId }); // valid signature, but no membership there

    for (const headers of [someoneElse.auth, bearer(forged), bearer(notAMember), { authorization: 'Bearer tnry_something' }]) {
      expectProblem(await accept({ token: invitation.token }, headers), 401, 'invalid_credentials');
    }
    expect(await roleOf(t, tenantId, person.id)).toBeNull();
  });

  it('refuses someone who became a member meanwhile (409 already_member), leaving the invitation open', async () => {
    const { tenantId, person, invitation } = await existingAccountInvited();
    await t.owner.query('insert into memberships (tenant_id, user_id, role) values ($1, $2, $3)', [tenantId, person.id, 'member']);

    expectProblem(await accept({ token: invitation.token, password: DEFAULT_PASSWORD }), 409, 'already_member');

    expect((await invitationRow(tenantId, invitation.id)).accepted_at).toBeNull();
  });
});

describe('the invitation email', () => {
  it('is delivered by the mail job through the file transport, and its link works', async () => {
    const { tenantId, admin } = await tenantWithAdmin();
    const email = freshEmail();
    expect((await invite(admin.auth, { email, role: 'member' })).statusCode).toBe(201);
    const { row, token } = await lastInvitationEmail(email);

    await t.app.get(OutboxDelivery).drain(); // the drain job's work (the worker may have done it already)
    const file = path.join(mailDir, `${row.id}.json`);
    await waitFor(async () => existsSync(file) && (await outboxStatus(row.id)) === 'sent');

    const written = JSON.parse(await readFile(file, 'utf8')) as { to: string; subject: string; text: string };
    expect(written.to).toBe(email);
    expect(written.subject).toBe(`${admin.name} invited you to ${(await t.owner.query('select name from tenants where id = $1', [tenantId])).rows[0].name} on Tenantry`);
    expect(written.text).toContain(`${APP_BASE_URL}/accept-invitation?token=${token}`);
    expect(await readFile(path.join(mailDir, `${row.id}.eml`), 'utf8')).toMatch(/^To: /m);
    expect((await accept({ token, name: 'From The Email', password: DEFAULT_PASSWORD })).statusCode).toBe(200);
  });

  it('is not sent when the invitation is not created', async () => {
    const { tenantId, admin } = await tenantWithAdmin();
    const member = await t.makeMember(tenantId, 'member');

    expectProblem(await invite(admin.auth, { email: member.email, role: 'admin' }), 409, 'already_member');

    expect((await t.owner.query('select 1 from email_outbox where to_address = $1', [member.email])).rowCount).toBe(0);
  });
});

async function outboxStatus(id: string): Promise<string | undefined> {
  const { rows } = await t.owner.query<{ status: string }>('select status from email_outbox where id = $1', [id]);
  return rows[0]?.status;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
