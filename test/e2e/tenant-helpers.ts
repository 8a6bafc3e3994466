import { randomUUID } from 'node:crypto';
import { expect } from '@jest/globals';
import pg from 'pg';
import { PlatformDb } from '../../src/platform/db/platform-db.js';
import type { Role } from '../../src/platform/security/permissions.js';
import { ownerPool } from '../support/owner-pool.js';
import { TENANT_FIXTURES } from '../support/tenant-fixtures.js';
import { bearer, createTestApp, mintToken, openTestSession, type TestApp, type TestAppOptions } from '../support/http-app.js';

/**
 * Shared by the tenant, exports and admin end-to-end specs: an app with an owner connection (to
 * arrange data and check what really is in the tables, bypassing RLS), and member factories.
 */
export interface Harness {
  t: TestApp;
  owner: pg.Pool;
  close(): Promise<void>;
}

export async function startHarness(options: TestAppOptions = {}): Promise<Harness> {
  const t = await createTestApp(options);
  const owner = ownerPool(t.database.ownerUrl, t.config.env);
  return {
    t,
    owner,
    close: async () => {
      await owner.end();
      await t.close();
    },
  };
}

export interface Member {
  userId: string;
  email: string;
  token: string;
  /** `{ authorization: 'Bearer <token>' }` */
  auth: Record<string, string>;
}

/** A user with a membership (role) in the tenant, and an access token for that tenant. */
export async function makeMember(
  owner: pg.Pool,
  tenantId: string,
  role: Role,
  options: { platformAdmin?: boolean; createdAt?: Date } = {},
): Promise<Member> {
  const userId = randomUUID();
  const email = `${role}.${userId}@example.test`;
  await owner.query('insert into users (id, email, name, is_platform_admin, created_at) values ($1, $2, $3, $4, $5)', [
    userId,
    email,
    `User ${role}`,
    options.platformAdmin ?? false,
    options.createdAt ?? new Date(),
  ]);
  await owner.query('insert into memberships (tenant_id, user_id, role) values ($1, $2, $3)', [tenantId, userId, role]);
  const token = mintToken({ sub: userId, tid: tenantId, sid: await openTestSession(owner, userId, tenantId), typ: 'access' });
  return { userId, email, token, auth: bearer(token) };
}

export async function setTenantStatus(owner: pg.Pool, tenantId: string, status: 'active' | 'suspended' | 'deleted'): Promise<void> {
  await owner.query(
    `update tenants set status = $2::tenant_status, suspended_at = case when $2::tenant_status = 'suspended' then now() else suspended_at end where id = $1`,
    [tenantId, status],
  );
}

/** Every table with a tenant_id column, as the database catalog lists them. */
export async function tenantTables(owner: pg.Pool): Promise<string[]> {
  const { rows } = await owner.query<{ table: string }>(
    `select c.relname as table from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
        and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
      order by 1`,
  );
  return rows.map((r) => r.table);
}

/** The tenant's rows in every tenant table, counted through the owner connection (no RLS). */
export async function rowCounts(owner: pg.Pool, tenantId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of await tenantTables(owner)) {
    const { rows } = await owner.query<{ n: number }>(`select count(*)::int as n from ${pg.escapeIdentifier(table)} where tenant_id = $1`, [tenantId]);
    counts[table] = rows[0]!.n;
  }
  return counts;
}

/**
 * Fills every tenant table with the tenant's rows (test/support/tenant-fixtures.ts, the registry the
 * RLS suite keeps complete), through the platform role. Fails if a tenant table got no row, so a
 * spec built on it covers every table there is.
 */
export async function fillEveryTenantTable(h: Harness, tenantId: string): Promise<Record<string, number>> {
  const client = h.t.app.get(PlatformDb).client;
  for (const fixture of TENANT_FIXTURES) {
    for (let n = 0; n < fixture.rowsPerTenant; n++) {
      const exists = await h.owner.query(`select 1 from ${pg.escapeIdentifier(fixture.table)} where tenant_id = $1 limit ${n + 1}`, [tenantId]);
      if (exists.rowCount! > n) continue; // e.g. settings made with the tenant
      await fixture.create(client, tenantId, n);
    }
  }
  const counts = await rowCounts(h.owner, tenantId);
  expect(Object.entries(counts).filter(([, n]) => n === 0)).toEqual([]);
  return counts;
}

/** Polls `probe` until it returns something other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'the condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function auditEvents(owner: pg.Pool, tenantId: string, action?: string): Promise<Array<Record<string, unknown>>> {
  const { rows } = await owner.query(
    `select seq::text, action, actor_type, actor_id, target_type, target_id, data from audit_events
      where tenant_id = $1 and ($2::text is null or action = $2) order by seq`,
    [tenantId, action ?? null],
  );
  return rows as Array<Record<string, unknown>>;
}
