import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from '@jest/globals';
import type { Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { hash as argon2Hash } from '@node-rs/argon2';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { createApp } from '../../src/bootstrap.js';
import { ARGON2ID } from '../../src/modules/auth/passwords/password-hasher.js';
import type { SessionTokens } from '../../src/modules/auth/sessions/sessions.service.js';
import { type AppConfig, loadConfig } from '../../src/platform/config/config.js';
import type { Role } from '../../src/platform/security/permissions.js';
import { installContractCheck } from './contract.js';
import { createTestDatabase, TEST_JWT_SECRET, type TestDatabase, testEnv } from './database.js';
import { ownerPool } from './owner-pool.js';
import { purgeRedisPrefix } from './redis-keys.js';

/**
 * End-to-end harness: the real application (createApp, as main.ts builds it) on a fresh copy of the
 * migrated test database, the real Redis, and Fastify's `inject` for requests (no port needed).
 */

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  database: TestDatabase;
  /** Sends one request through the whole stack (hooks, guards, pipes, filters), without a socket. */
  inject(opts: InjectOptions | string): Promise<LightMyRequestResponse>;
  /** The owner connection (bypasses RLS): arrange data, and check what really is in the tables. */
  owner: pg.Pool;
  /** Inserts a tenant and its settings through the owner connection (bypasses RLS). */
  makeTenant(input?: TenantInput): Promise<TestTenant>;
  /** Inserts a user with an argon2id password through the owner connection. */
  makeUser(input?: UserInput): Promise<TestUser>;
  /** A user (new, or the one given) with a membership in the tenant, and an access token for it. */
  makeMember(tenantId: string, role: Role, user?: TestUser): Promise<TestMember>;
  /** POST /api/v1/auth/login; fails the test unless it answers 200. */
  login(email: string, password: string, tenant?: string, remoteAddress?: string): Promise<SessionTokens>;
  /** Closes the app (pools included), the owner connection, then drops the database. */
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Environment overrides on top of testEnv(), e.g. { BODY_LIMIT_BYTES: '2048' }. */
  env?: NodeJS.ProcessEnv;
  /** Extra modules (test-only controllers) imported beside the application's own. */
  imports?: Type[];
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const env = testEnv(database, options.env);
  const owner = ownerPool(database.ownerUrl, { REDIS_URL: env.REDIS_URL!, QUEUE_PREFIX: env.QUEUE_PREFIX! }, { application_name: 'tenantry-test-owner' });
  let app: NestFastifyApplication | undefined;
  try {
    const config = loadConfig(env);
    app = await createApp(config, { imports: options.imports });
    installContractCheck(app.getHttpAdapter().getInstance());
    await app.init();
    const fastify = app.getHttpAdapter().getInstance();
    await fastify.ready();
    const ready = app;
    // Shutdown tests call app.close() themselves; a second close would end the pools twice (an error).
    let closed: Promise<void> | undefined;
    const nestClose = app.close.bind(app);
    ready.close = () => (closed ??= nestClose());
    return {
      app: ready,
      config,
      database,
      owner,
      inject: (opts) => fastify.inject(opts),
      makeTenant: (input) => insertTenant(owner, input),
      makeUser: (input) => insertUser(owner, input),
      makeMember: async (tenantId, role, user) => {
        const member = user ?? (await insertUser(owner));
        await owner.query('insert into memberships (tenant_id, user_id, role) values ($1, $2, $3)', [tenantId, member.id, role]);
        const sessionId = await openTestSession(owner, member.id, tenantId);
        const token = mintToken({ sub: member.id, tid: tenantId, sid: sessionId });
        return { ...member, tenantId, role, sessionId, token, auth: bearer(token) };
      },
      login: async (email, password, tenant, remoteAddress) => {
        const payload = tenant === undefined ? { email, password } : { email, password, tenant };
        const res = await fastify.inject({ method: 'POST', url: '/api/v1/auth/login', payload, remoteAddress });
        expect({ status: res.statusCode, body: res.statusCode === 200 ? 'ok' : res.body }).toEqual({ status: 200, body: 'ok' });
        return res.json<SessionTokens>();
      },
      close: async () => {
        try {
          await ready.close();
        } finally {
          await owner.end();
          await database.drop();
          await purgeRedisPrefix(config.env.REDIS_URL, config.env.QUEUE_PREFIX);
        }
      },
    };
  } catch (error) {
    await app?.close().catch(() => undefined);
    await owner.end();
    await database.drop();
    throw error;
  }
}

export interface TenantInput {
  slug?: string;
  name?: string;
  displayName?: string;
}

export interface TestTenant {
  id: string;
  slug: string;
  name: string;
}

/** Builder for a tenant with its settings row; unique slug per call so tests never share data. */
export async function insertTenant(owner: pg.Pool | pg.Client, input: TenantInput = {}): Promise<TestTenant> {
  const id = randomUUID();
  const slug = input.slug ?? `t-${randomBytes(5).toString('hex')}`;
  const name = input.name ?? `Tenant ${slug}`;
  await owner.query('insert into tenants (id, slug, name) values ($1, $2, $3)', [id, slug, name]);
  await owner.query('insert into tenant_settings (tenant_id, display_name) values ($1, $2)', [id, input.displayName ?? name]);
  return { id, slug, name };
}

export interface UserInput {
  email?: string;
  name?: string;
  /** Default: DEFAULT_PASSWORD; null for an account without a password. */
  password?: string | null;
  platformAdmin?: boolean;
}

export interface TestUser {
  id: string;
  email: string;
  name: string;
  password: string | null;
}

export interface TestMember extends TestUser {
  tenantId: string;
  role: Role;
  /** The live session (refresh token family) the token names. */
  sessionId: string;
  /** An access token for this member in this tenant (minted, naming `sessionId`). */
  token: string;
  /** `{ authorization: 'Bearer <token>' }` */
  auth: Record<string, string>;
}

/** Passes the password policy; the same for every factory-made user unless told otherwise. */
export const DEFAULT_PASSWORD = 'correct horse battery staple';

/** argon2id of each password once per test file: factories then cost no hashing. */
const hashes = new Map<string, Promise<string>>();

export async function insertUser(owner: pg.Pool | pg.Client, input: UserInput = {}): Promise<TestUser> {
  const id = randomUUID();
  const email = (input.email ?? `user-${randomBytes(5).toString('hex')}@example.test`).trim().toLowerCase();
  const name = input.name ?? `User ${email.split('@')[0]}`;
  const password = input.password === undefined ? DEFAULT_PASSWORD : input.password;
  let passwordHash: string | null = null;
  if (password !== null) {
    if (!hashes.has(password)) hashes.set(password, argon2Hash(password, ARGON2ID));
    passwordHash = await hashes.get(password)!;
  }
  await owner.query('insert into users (id, email, name, password_hash, is_platform_admin) values ($1, $2, $3, $4, $5)', [
    id,
    email,
    name,
    passwordHash,
    input.platformAdmin ?? false,
  ]);
  return { id, email, name, password };
}

export interface TokenClaims {
  tid: string;
  sub?: string;
  typ?: string;
  roles?: string[];
  [claim: string]: unknown;
}

export interface MintOptions {
  secret?: string;
  algorithm?: jwt.Algorithm;
  issuer?: string;
  audience?: string;
  /** Lifetime in seconds (default 300); a negative value mints a token that expired that long ago. */
  expiresIn?: number;
  /** Leave out the `roles` default (['member']) when the claims do not give any. */
  noDefaultRoles?: boolean;
}

/** The `ip` of the sessions openTestSession makes: specs that list a user's sign-ins leave them out. */
export const FACTORY_SESSION_IP = 'test-factory';

/**
 * A live session for the user in the tenant, as sign-in would leave it (a refresh token family),
 * without signing in: access tokens must name one (`sid`). Returns the session id for mintToken.
 */
export async function openTestSession(owner: { query: (text: string, values: unknown[]) => Promise<unknown> }, userId: string, tenantId: string): Promise<string> {
  const sessionId = randomUUID();
  await owner.query(
    `insert into refresh_tokens (user_id, family_id, active_tenant_id, token_hash, expires_at, ip) values ($1, $2, $3, $4, now() + interval '1 day', $5)`,
    [userId, sessionId, tenantId, randomBytes(32), FACTORY_SESSION_IP],
  );
  return sessionId;
}

/**
 * An access token shaped as the identity module issues it: HS256, iss 'tenantry', aud
 * 'tenantry-api', claims { sub, tid, typ: 'access' } (plus `roles: ['member']`, which the server
 * ignores: roles come from the membership). It authenticates only if `sub` is a member of `tid`
 * and `sid` names a live session of theirs (see makeMember, openTestSession); without `sid` it is refused.
 */
export function mintToken(claims: TokenClaims, options: MintOptions = {}): string {
  const payload: Record<string, unknown> = { sub: randomUUID(), typ: 'access', ...claims };
  if (payload.roles === undefined && !options.noDefaultRoles) payload.roles = ['member'];
  if (options.expiresIn !== undefined && options.expiresIn < 0) {
    // jsonwebtoken refuses a negative expiresIn: set the past `exp` (and a consistent `iat`) directly.
    const now = Math.floor(Date.now() / 1000);
    payload.iat = now + options.expiresIn - 60;
    payload.exp = now + options.expiresIn;
  }
  return jwt.sign(payload, options.secret ?? TEST_JWT_SECRET, {
    algorithm: options.algorithm ?? 'HS256',
    issuer: options.issuer ?? 'tenantry',
    audience: options.audience ?? 'tenantry-api',
    ...(payload.exp === undefined ? { expiresIn: options.expiresIn ?? 300 } : {}),
  });
}

/** `{ authorization: 'Bearer <token>' }` */
export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

/**
 * Asserts the house error shape: application/problem+json (RFC 9457) with the given status and
 * stable `code`, and the request id (the same one as the X-Request-Id header). Returns the document.
 */
export function expectProblem(res: LightMyRequestResponse, status: number, code: string): Record<string, unknown> {
  expect({ status: res.statusCode, contentType: res.headers['content-type'] }).toEqual({
    status,
    contentType: expect.stringMatching(/^application\/problem\+json/),
  });
  const body = res.json<Record<string, unknown>>();
  expect(body).toMatchObject({ status, code, type: `urn:tenantry:problem:${code}`, title: expect.any(String) });
  expect(body.requestId).toEqual(expect.any(String));
  expect(body.requestId).toBe(res.headers['x-request-id']);
  if (status === 401) expect(res.headers['www-authenticate']).toBe('Bearer');
  return body;
}
