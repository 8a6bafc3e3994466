import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Module } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import type { PlatformSessionTokens, SessionTokens } from '../../src/modules/auth/sessions/sessions.service.js';
import { TenantContext } from '../../src/platform/context/tenant-context.js';
import { TenantDb } from '../../src/platform/db/tenant-db.js';
import { OutboxDelivery } from '../../src/platform/mail/outbox-delivery.js';
import { PlatformAdminOnly } from '../../src/platform/security/decorators.js';
import { bearer, createTestApp, DEFAULT_PASSWORD, expectProblem, mintToken, type TestApp, type TestUser, FACTORY_SESSION_IP } from '../support/http-app.js';
import { auditEvents } from './tenant-helpers.js';

/**
 * How platform administrators and the owners they create get in (docs/adr/0005):
 * - a platform admin who belongs to no tenant signs in to a platform session: an access token with
 *   `typ: platform` and no tenant, accepted on platform-administration routes and GET /me only
 *   (every tenant route answers 403 tenant_required), refreshed and signed out like any session,
 *   and ended at the next request once the user's platform flag is removed;
 * - POST /admin/tenants for an unknown email emails a single-use, expiring set-password link (the
 *   password reset machinery); the new owner sets a password with it and signs in to the tenant.
 */

/** What the probe route sees of the request's context on a platform admin's request. */
@Controller('admin-context-probe')
class ContextProbeController {
  constructor(
    private readonly ctx: TenantContext,
    private readonly db: TenantDb,
  ) {}

  @Get()
  @PlatformAdminOnly()
  async probe(): Promise<Record<string, unknown>> {
    const state = this.ctx.current();
    const tenantModel = await this.db.client.tenantSettings.findFirst({ select: { tenantId: true } }).then(
      () => 'allowed',
      (error: unknown) => (error as { code?: string }).code ?? String(error),
    );
    return { tenantId: state?.tenantId ?? null, scope: this.ctx.requireScope().kind, userId: state?.userId, actor: state?.actor, permissions: state?.permissions, tenantModel };
  }
}

@Module({ controllers: [ContextProbeController] })
class ContextProbeModule {}

const APP_BASE_URL = 'https://app.example.test';
const INVITATION_TTL_HOURS = 48;
const TOKEN_FORMAT = /^[0-9a-f]{32}\.[A-Za-z0-9_-]{43}$/;

let t: TestApp;
let mailDir: string;

beforeAll(async () => {
  mailDir = await mkdtemp(path.join(os.tmpdir(), 'tenantry-admin-sign-in-mail-'));
  t = await createTestApp({
    imports: [ContextProbeModule],
    env: { MAIL_FILE_DIR: mailDir, APP_BASE_URL, INVITATION_TTL_HOURS: String(INVITATION_TTL_HOURS), LOG_LEVEL: process.env.DEBUG_LOG ?? 'silent' },
  });
});

afterAll(async () => {
  await t?.close();
  await rm(mailDir, { recursive: true, force: true });
});

const login = (payload: object) => t.inject({ method: 'POST', url: '/api/v1/auth/login', payload });
const refresh = (refreshToken: string) => t.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } });
const logout = (refreshToken: string) => t.inject({ method: 'POST', url: '/api/v1/auth/logout', payload: { refreshToken } });
const get = (url: string, token: string) => t.inject({ method: 'GET', url: `/api/v1${url}`, headers: bearer(token) });
const confirmReset = (token: string, password: string) =>
  t.inject({ method: 'POST', url: '/api/v1/auth/password-reset/confirm', payload: { token, password } });

/** A platform admin with no membership anywhere, signed in: their platform session. */
async function signedInAdmin(): Promise<{ user: TestUser; tokens: PlatformSessionTokens }> {
  const user = await t.makeUser({ platformAdmin: true });
  const res = await login({ email: user.email, password: DEFAULT_PASSWORD });
  expect(res.statusCode).toBe(200);
  return { user, tokens: res.json<PlatformSessionTokens>() };
}

async function sessionRows(userId: string): Promise<Array<{ active_tenant_id: string | null; rotated: boolean; revoked: boolean }>> {
  const { rows } = await t.owner.query(
    `select active_tenant_id, rotated_at is not null as rotated, revoked_at is not null as revoked
       from refresh_tokens where user_id = $1 and ip is distinct from $2 order by created_at, rotated_at nulls last`,
    [userId, FACTORY_SESSION_IP],
  );
  return rows as Array<{ active_tenant_id: string | null; rotated: boolean; revoked: boolean }>;
}

describe('a platform admin who belongs to no tenant', () => {
  it('signs in to a platform session: no tenant, an access token of typ platform naming the session', async () => {
    const { user, tokens } = await signedInAdmin();

    expect(tokens).toEqual({
      tokenType: 'Bearer',
      accessToken: expect.any(String),
      expiresIn: expect.any(Number),
      refreshToken: expect.stringMatching(TOKEN_FORMAT),
      refreshTokenExpiresAt: expect.any(String),
      userId: user.id,
      tenant: null,
      platformAdmin: true,
    });
    const claims = jwt.decode(tokens.accessToken) as Record<string, unknown>;
    expect(claims).toMatchObject({ sub: user.id, typ: 'platform', sid: expect.any(String) });
    expect(claims).not.toHaveProperty('tid');
    expect(await sessionRows(user.id)).toEqual([{ active_tenant_id: null, rotated: false, revoked: false }]);
  });

  it('uses the platform-administration routes', async () => {
    const { user, tokens } = await signedInAdmin();
    const ownerEmail = `owner-${randomUUID().slice(0, 8)}@example.test`;

    expect((await get('/admin/tenants', tokens.accessToken)).statusCode).toBe(200);
    expect((await get('/admin/analytics?days=7', tokens.accessToken)).statusCode).toBe(200);
    expect((await get('/admin/jobs/failed', tokens.accessToken)).statusCode).toBe(200);
    const created = await t.inject({ method: 'POST', url: '/api/v1/admin/tenants', headers: bearer(tokens.accessToken), payload: { name: 'Made By Platform', ownerEmail } });

    expect(created.statusCode).toBe(201);
    const tenantId = created.json<{ id: string }>().id;
    expect(await auditEvents(t.owner, tenantId, 'tenant.created')).toEqual([expect.objectContaining({ actor_type: 'platform_admin', actor_id: user.id })]);
  });

  it('acts with no tenant in context: database work is bound to the user alone, tenant models are refused', async () => {
    const { user, tokens } = await signedInAdmin();

    const res = await get('/admin-context-probe', tokens.accessToken);

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      tenantId: null,
      scope: 'user',
      userId: user.id,
      actor: 'platform_admin',
      permissions: [],
      tenantModel: 'tenant_context_missing',
    });
  });

  it('reads GET /me: the user, no tenant, no role', async () => {
    const { user, tokens } = await signedInAdmin();

    const res = await get('/me', tokens.accessToken);

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      user: { id: user.id, email: user.email, name: user.name, isPlatformAdmin: true },
      tenant: null,
      role: null,
      tenants: [],
    });
  });

  it.each<[string, 'GET' | 'POST' | 'PATCH' | 'DELETE', string, object | undefined]>([
    ['the tenant', 'GET', '/tenant', undefined],
    ['the tenant settings', 'PATCH', '/tenant', { name: 'Hijacked' }],
    ['members', 'GET', '/members', undefined],
    ['invitations', 'POST', '/invitations', { email: 'x@example.test', role: 'member' }],
    ['API keys', 'POST', '/api-keys', { name: 'k', scopes: ['chat:use'] }],
    ['conversations', 'GET', '/conversations', undefined],
    ['usage', 'GET', '/usage', undefined],
    ['the audit log', 'GET', '/audit-events', undefined],
    ['billing', 'GET', '/billing/subscription', undefined],
    ['exports', 'POST', '/tenant/exports', undefined],
  ])('is refused on %s with 403 tenant_required', async (_what, method, url, payload) => {
    const { tokens } = await signedInAdmin();

    const res = await t.inject({ method, url: `/api/v1${url}`, headers: bearer(tokens.accessToken), ...(payload && { payload }) });

    expectProblem(res, 403, 'tenant_required');
  });

  it('refreshes: a new pair for the platform session, the old refresh token rotated; reusing it revokes the session', async () => {
    const { user, tokens } = await signedInAdmin();

    const res = await refresh(tokens.refreshToken);

    expect(res.statusCode).toBe(200);
    const next = res.json<PlatformSessionTokens>();
    expect(next).toMatchObject({ tenant: null, platformAdmin: true, userId: user.id });
    expect(next.refreshToken).not.toBe(tokens.refreshToken);
    expect((jwt.decode(next.accessToken) as Record<string, unknown>).sid).toBe((jwt.decode(tokens.accessToken) as Record<string, unknown>).sid);
    expect((await get('/admin/tenants', next.accessToken)).statusCode).toBe(200);
    expect(await sessionRows(user.id)).toEqual([
      { active_tenant_id: null, rotated: true, revoked: false },
      { active_tenant_id: null, rotated: false, revoked: false },
    ]);

    expectProblem(await refresh(tokens.refreshToken), 401, 'refresh_token_reused');
    expectProblem(await get('/admin/tenants', next.accessToken), 401, 'unauthenticated');
    expectProblem(await refresh(next.refreshToken), 401, 'invalid_refresh_token');
  });

  it('signs out: the access token and the refresh token stop working at once', async () => {
    const { user, tokens } = await signedInAdmin();

    expect((await logout(tokens.refreshToken)).statusCode).toBe(204);

    expectProblem(await get('/admin/tenants', tokens.accessToken), 401, 'unauthenticated');
    expectProblem(await get('/me', tokens.accessToken), 401, 'unauthenticated');
    expectProblem(await refresh(tokens.refreshToken), 401, 'invalid_refresh_token');
    expect(await sessionRows(user.id)).toEqual([{ active_tenant_id: null, rotated: false, revoked: true }]);
  });

  it('loses access at the next request once the platform flag is removed, and cannot refresh', async () => {
    const { user, tokens } = await signedInAdmin();
    expect((await get('/admin/tenants', tokens.accessToken)).statusCode).toBe(200);

    await t.owner.query('update users set is_platform_admin = false where id = $1', [user.id]);

    expectProblem(await get('/admin/tenants', tokens.accessToken), 403, 'platform_admin_required');
    expectProblem(await get('/me', tokens.accessToken), 403, 'platform_admin_required');
    expectProblem(await refresh(tokens.refreshToken), 403, 'platform_admin_required');
    expect(await sessionRows(user.id)).toEqual([{ active_tenant_id: null, rotated: false, revoked: false }]);
  });

  it('asking for a tenant they do not belong to is still 403 not_a_member', async () => {
    const user = await t.makeUser({ platformAdmin: true });
    const tenant = await t.makeTenant();

    expectProblem(await login({ email: user.email, password: DEFAULT_PASSWORD, tenant: tenant.slug }), 403, 'not_a_member');
  });
});

describe('a platform admin who is also a member of tenants moves between the console and them', () => {
  const switchTenant = (token: string, tenantId: string) => t.inject({ method: 'POST', url: '/api/v1/auth/switch-tenant', headers: bearer(token), payload: { tenantId } });
  const switchPlatform = (token: string) => t.inject({ method: 'POST', url: '/api/v1/auth/switch-platform', headers: bearer(token) });

  async function memberAdmin(): Promise<{ user: TestUser; tenantId: string; tokens: SessionTokens }> {
    const user = await t.makeUser({ platformAdmin: true });
    const tenant = await t.makeTenant();
    await t.makeMember(tenant.id, 'admin', user);
    return { user, tenantId: tenant.id, tokens: await t.login(user.email, DEFAULT_PASSWORD) };
  }

  it('from a tenant to the console: a platform session in the same family, the old refresh token rotated', async () => {
    const { user, tokens } = await memberAdmin();

    const res = await switchPlatform(tokens.accessToken);

    expect(res.statusCode).toBe(200);
    const platform = res.json<PlatformSessionTokens>();
    expect(platform).toMatchObject({ tenant: null, platformAdmin: true, userId: user.id });
    const claims = jwt.decode(platform.accessToken) as Record<string, unknown>;
    expect(claims).toMatchObject({ typ: 'platform', sid: (jwt.decode(tokens.accessToken) as { sid: string }).sid });
    expect((await get('/admin/tenants', platform.accessToken)).statusCode).toBe(200);
    expect((await get('/me', platform.accessToken)).json()).toMatchObject({ tenant: null, tenants: [expect.objectContaining({ role: 'admin' })] });
    expectProblem(await refresh(tokens.refreshToken), 401, 'refresh_token_reused');
  });

  it('from the console back to their tenant: switch-tenant accepts a platform session', async () => {
    const { tenantId, tokens } = await memberAdmin();
    const platform = (await switchPlatform(tokens.accessToken)).json<PlatformSessionTokens>();

    const res = await switchTenant(platform.accessToken, tenantId);

    expect(res.statusCode).toBe(200);
    const back = res.json<SessionTokens>();
    expect(back.tenant).toMatchObject({ id: tenantId, role: 'admin' });
    expect((await get('/tenant', back.accessToken)).statusCode).toBe(200);
    expect((await refresh(back.refreshToken)).json<SessionTokens>().tenant.id).toBe(tenantId);
  });

  it('from the console to a tenant they do not belong to: 403 not_a_member, the session unchanged', async () => {
    const { user, tokens } = await signedInAdmin();
    const other = await t.makeTenant();

    expectProblem(await switchTenant(tokens.accessToken, other.id), 403, 'not_a_member');
    expect(await sessionRows(user.id)).toEqual([{ active_tenant_id: null, rotated: false, revoked: false }]);
  });

  it('a member who is no platform admin cannot switch to the console: 403 platform_admin_required, the session unchanged', async () => {
    const user = await t.makeUser();
    const tenant = await t.makeTenant();
    await t.makeMember(tenant.id, 'owner', user);
    const tokens = await t.login(user.email, DEFAULT_PASSWORD);

    expectProblem(await switchPlatform(tokens.accessToken), 403, 'platform_admin_required');
    expect(await sessionRows(user.id)).toEqual([{ active_tenant_id: tenant.id, rotated: false, revoked: false }]);
    expect((await refresh(tokens.refreshToken)).statusCode).toBe(200);
  });
});

describe('platform session tokens', () => {
  it('a platform admin who is a member of a tenant still signs in to that tenant', async () => {
    const user = await t.makeUser({ platformAdmin: true });
    const tenant = await t.makeTenant();
    await t.makeMember(tenant.id, 'member', user);

    const tokens = await t.login(user.email, DEFAULT_PASSWORD);

    expect(tokens.tenant.id).toBe(tenant.id);
    expect((jwt.decode(tokens.accessToken) as Record<string, unknown>).typ).toBe('access');
  });

  it('a user who is neither a member nor a platform admin gets no session: 403 no_tenant', async () => {
    const user = await t.makeUser();

    expectProblem(await login({ email: user.email, password: DEFAULT_PASSWORD }), 403, 'no_tenant');
    expect(await sessionRows(user.id)).toEqual([]);
  });

  it('a minted platform token proves nothing without a live platform session of that user', async () => {
    const admin = await t.makeUser({ platformAdmin: true });
    const { tokens } = await signedInAdmin();
    const otherSession = (jwt.decode(tokens.accessToken) as { sid: string }).sid;

    for (const token of [
      mintToken({ sub: admin.id, typ: 'platform', sid: randomUUID() } as never),
      mintToken({ sub: admin.id, typ: 'platform', sid: otherSession } as never), // someone else's session
    ]) {
      expectProblem(await get('/admin/tenants', token), 401, 'unauthenticated');
    }
    // No session at all, or a tenant claim on a platform token: malformed.
    expectProblem(await get('/admin/tenants', mintToken({ sub: admin.id, typ: 'platform' } as never)), 401, 'unauthenticated');
  });

  it('a tenant session of a platform admin is not turned into a platform session by leaving out tid', async () => {
    const user = await t.makeUser({ platformAdmin: true });
    const tenant = await t.makeTenant();
    await t.makeMember(tenant.id, 'member', user);
    const tokens = await t.login(user.email, DEFAULT_PASSWORD);
    const sid = (jwt.decode(tokens.accessToken) as { sid: string }).sid;

    // The family is a tenant session (active_tenant_id set): a platform token naming it is refused.
    expectProblem(await get('/admin/tenants', mintToken({ sub: user.id, typ: 'platform', sid } as never)), 401, 'unauthenticated');
  });
});

interface OutboxRow {
  id: string;
  template: string;
  payload: Record<string, string>;
}

async function emailsTo(email: string): Promise<OutboxRow[]> {
  const { rows } = await t.owner.query<OutboxRow>('select id, template, payload from email_outbox where to_address = $1 order by created_at', [email]);
  return rows;
}

async function resetRows(userId: string): Promise<Array<{ token_hash: Buffer; expires_at: Date; used_at: Date | null; created_at: Date }>> {
  const { rows } = await t.owner.query('select token_hash, expires_at, used_at, created_at from password_resets where user_id = $1', [userId]);
  return rows as Array<{ token_hash: Buffer; expires_at: Date; used_at: Date | null; created_at: Date }>;
}

/** A tenant created by a platform admin for `ownerEmail`; its id and owner. */
async function createdByAdmin(ownerEmail: string, name = `Owned ${randomUUID().slice(0, 6)}`): Promise<{ id: string; name: string; owner: { userId: string; invited: boolean } }> {
  const { tokens } = await signedInAdmin();
  const res = await t.inject({ method: 'POST', url: '/api/v1/admin/tenants', headers: bearer(tokens.accessToken), payload: { name, ownerEmail } });
  expect(res.statusCode).toBe(201);
  return { ...res.json<{ id: string; owner: { userId: string; invited: boolean } }>(), name };
}

const freshEmail = (): string => `new-owner-${randomUUID().slice(0, 8)}@example.test`;
const NEW_PASSWORD = 'plum orchard lantern 42';

describe('the owner a platform admin creates for an unknown email', () => {
  it('is emailed a set-password link to the reset page, its token stored only as a hash, expiring after INVITATION_TTL_HOURS', async () => {
    const email = freshEmail();

    const tenant = await createdByAdmin(email);

    expect(tenant.owner.invited).toBe(true);
    const [mail, ...more] = await emailsTo(email);
    expect(more).toEqual([]);
    expect(mail!.template).toBe('invitation');
    expect(mail!.payload).toEqual({
      tenantName: tenant.name,
      inviterName: 'The Tenantry team',
      role: 'owner',
      acceptUrl: expect.stringMatching(new RegExp(`^${APP_BASE_URL}/reset-password\\?token=`)),
      expiresAt: expect.any(String),
    });
    const token = new URL(mail!.payload.acceptUrl!).searchParams.get('token')!;
    expect(token).toMatch(TOKEN_FORMAT);
    expect(token.startsWith(tenant.owner.userId.replace(/-/g, ''))).toBe(true);
    const [reset] = await resetRows(tenant.owner.userId);
    expect(Buffer.compare(reset!.token_hash, createHash('sha256').update(token).digest())).toBe(0);
    expect(reset!.used_at).toBeNull();
    expect(reset!.expires_at.toISOString()).toBe(mail!.payload.expiresAt);
    const lifetime = reset!.expires_at.getTime() - reset!.created_at.getTime();
    expect(Math.abs(lifetime - INVITATION_TTL_HOURS * 3_600_000)).toBeLessThan(60_000);
  });

  it('receives the email through the mail job, sets a password with its link, and signs in to the new tenant as owner', async () => {
    const email = freshEmail();
    const tenant = await createdByAdmin(email);
    const [row] = await emailsTo(email);

    await t.app.get(OutboxDelivery).drain(); // the drain job's work (the worker may have done it already)
    const file = path.join(mailDir, `${row!.id}.json`);
    await waitFor(async () => existsSync(file));
    const written = JSON.parse(await readFile(file, 'utf8')) as { to: string; subject: string; text: string };
    expect(written.to).toBe(email);
    const link = /https:\/\/\S+\/reset-password\?token=\S+/.exec(written.text)?.[0];
    expect(link).toBeDefined();
    const token = new URL(link!).searchParams.get('token')!;

    expectProblem(await login({ email, password: NEW_PASSWORD }), 401, 'invalid_credentials'); // no password yet
    expect((await confirmReset(token, NEW_PASSWORD)).statusCode).toBe(204);

    const tokens = (await login({ email, password: NEW_PASSWORD })).json<SessionTokens>();
    expect(tokens.tenant).toEqual({ id: tenant.id, slug: expect.any(String), name: tenant.name, role: 'owner' });
    expect((await get('/tenant', tokens.accessToken)).json()).toMatchObject({ id: tenant.id, name: tenant.name });
  });

  it('the link works once', async () => {
    const email = freshEmail();
    await createdByAdmin(email);
    const token = new URL((await emailsTo(email))[0]!.payload.acceptUrl!).searchParams.get('token')!;
    expect((await confirmReset(token, NEW_PASSWORD)).statusCode).toBe(204);

    expectProblem(await confirmReset(token, 'another fine password 7'), 400, 'reset_token_invalid');

    expect((await login({ email, password: NEW_PASSWORD })).statusCode).toBe(200);
    expectProblem(await login({ email, password: 'another fine password 7' }), 401, 'invalid_credentials');
  });

  it('the link expires', async () => {
    const email = freshEmail();
    const tenant = await createdByAdmin(email);
    const token = new URL((await emailsTo(email))[0]!.payload.acceptUrl!).searchParams.get('token')!;
    await t.owner.query(`update password_resets set expires_at = now() - interval '1 second' where user_id = $1`, [tenant.owner.userId]);

    expectProblem(await confirmReset(token, NEW_PASSWORD), 400, 'reset_token_invalid');

    const { rows } = await t.owner.query('select password_hash from users where id = $1', [tenant.owner.userId]);
    expect(rows).toEqual([{ password_hash: null }]);
  });
});

describe('the owner a platform admin names by the email of an existing user', () => {
  it('with a password: is sent a notice with the sign-in page and no token; no reset is made', async () => {
    const user = await t.makeUser();

    const tenant = await createdByAdmin(user.email);

    expect(tenant.owner).toEqual({ userId: user.id, email: user.email, invited: false });
    expect(await emailsTo(user.email)).toEqual([
      { id: expect.any(String), template: 'owner_added', payload: { tenantName: tenant.name, signInUrl: `${APP_BASE_URL}/login` } },
    ]);
    expect(await resetRows(user.id)).toEqual([]);
    expect((await t.login(user.email, DEFAULT_PASSWORD, tenant.id)).tenant.role).toBe('owner');
  });

  it('without a password (never set one): is sent a set-password link like a new user', async () => {
    const user = await t.makeUser({ password: null });

    const tenant = await createdByAdmin(user.email);

    expect(tenant.owner).toEqual({ userId: user.id, email: user.email, invited: true });
    const [mail] = await emailsTo(user.email);
    expect(mail!.template).toBe('invitation');
    const token = new URL(mail!.payload.acceptUrl!).searchParams.get('token')!;
    expect((await confirmReset(token, NEW_PASSWORD)).statusCode).toBe(204);
    expect((await t.login(user.email, NEW_PASSWORD)).tenant.id).toBe(tenant.id);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
