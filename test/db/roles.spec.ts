import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { findRlsProblems } from '../../src/platform/db/rls-self-check.js';
import { createDataApp, type DataApp } from '../support/data-app.js';
import { createTestDatabase, TEST_ROLES, type TestDatabase, withAdminClient } from '../support/database.js';

/**
 * The roles behind the two pools. Row-level security only binds a role that is not superuser, has
 * no BYPASSRLS, cannot become a role that has either, and owns no table (owners are exempt unless
 * FORCE, and may drop policies): checked here in SQL, as the runtime role itself. And the
 * start-up self-check (findRlsProblems) must name every unsafe table, not just pass.
 */

let t: DataApp;
beforeAll(async () => {
  t = await createDataApp();
});
afterAll(async () => {
  await t?.close();
});

describe('the tenant-facing role (TenantDb.pool)', () => {
  const query = async (text: string): Promise<unknown[]> => ((await t.db.pool.query(text)) as pg.QueryResult).rows;

  it('is the runtime login role, neither superuser nor BYPASSRLS', async () => {
    expect(await query('select current_user as name, rolsuper, rolbypassrls from pg_roles where rolname = current_user')).toEqual([
      { name: TEST_ROLES.app.user, rolsuper: false, rolbypassrls: false },
    ]);
  });

  it('owns no table, view, sequence or other relation', async () => {
    expect(await query(`select relname from pg_class where relowner = (select oid from pg_roles where rolname = current_user)`)).toEqual([]);
  });

  it('cannot become a role that is superuser or has BYPASSRLS', async () => {
    const escalations = await query(
      `select rolname from pg_roles r where (r.rolsuper or r.rolbypassrls) and pg_has_role(current_user, r.oid, 'MEMBER')`,
    );
    expect(escalations).toEqual([]);
  });

  it('is refused SET ROLE to the platform role', async () => {
    const client = await t.db.pool.connect();
    try {
      await expect(client.query(`set role ${pg.escapeIdentifier(TEST_ROLES.platform.user)}`)).rejects.toMatchObject({ code: '42501' });
    } finally {
      client.release(true); // never hand a connection that tried SET ROLE back to the pool
    }
  });

  it('passes the RLS self-check: findRlsProblems reports nothing', async () => {
    expect(await findRlsProblems(t.db.pool)).toEqual([]);
  });
});

describe('the platform role (PlatformDb.pool)', () => {
  it('has BYPASSRLS, and is not superuser', async () => {
    const { rows } = await t.platform.pool.query('select current_user as name, rolsuper, rolbypassrls from pg_roles where rolname = current_user');
    expect(rows).toEqual([{ name: TEST_ROLES.platform.user, rolsuper: false, rolbypassrls: true }]);
  });
});

describe('findRlsProblems detects unsafe tables', () => {
  const POLICY = `(tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))`;
  let database: TestDatabase;
  let appPool: pg.Pool;
  let problems: string[];

  beforeAll(async () => {
    database = await createTestDatabase();
    // As the owner, the way a careless migration would.
    await withAdminClient(async (owner) => {
      await owner.query(`create table notes_without_rls (id int, tenant_id uuid not null)`);

      await owner.query(`create table notes_not_forced (id int, tenant_id uuid not null)`);
      await owner.query(`alter table notes_not_forced enable row level security`);
      await owner.query(`create policy tenant_isolation on notes_not_forced using ${POLICY} with check ${POLICY}`);

      await owner.query(`create table notes_open_policy (id int, tenant_id uuid not null)`);
      await owner.query(`alter table notes_open_policy enable row level security`);
      await owner.query(`alter table notes_open_policy force row level security`);
      await owner.query(`create policy tenant_isolation on notes_open_policy using ${POLICY} with check ${POLICY}`);
      await owner.query(`create policy everyone_reads on notes_open_policy for select using (true)`);
    }, database.name);

    appPool = new pg.Pool({ connectionString: database.appUrl, max: 1 });
    problems = await findRlsProblems(appPool);
  });
  afterAll(async () => {
    await appPool?.end();
    await database?.drop();
  });

  it('a table with a tenant_id column and row-level security not enabled', () => {
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/\bnotes_without_rls\b.*row-level security is not enabled/)]));
  });

  it('a table with row-level security enabled but not forced (its owner would bypass it)', () => {
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/\bnotes_not_forced\b.*does not FORCE/)]));
  });

  it('a table with an extra permissive policy USING (true), which widens tenant isolation', () => {
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/\bnotes_open_policy\b.*\beveryone_reads\b/)]));
  });

  it('names those tables and no others: the migrated tables stay clean', () => {
    const named = new Set(problems.map((p) => /^table (\w+)/.exec(p)?.[1]));
    expect([...named].sort()).toEqual(['notes_not_forced', 'notes_open_policy', 'notes_without_rls']);
  });

  it('a superuser connection is reported as such, and as owning tables', async () => {
    const ownerPool = new pg.Pool({ connectionString: database.ownerUrl, max: 1 });
    try {
      const asOwner = await findRlsProblems(ownerPool);
      expect(asOwner).toEqual(expect.arrayContaining([expect.stringMatching(/is a superuser/), expect.stringMatching(/owns table notes_without_rls/)]));
    } finally {
      await ownerPool.end();
    }
  });
});
