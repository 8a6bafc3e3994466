import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import { Prisma } from '../../src/generated/prisma/client.js';
import { createDataApp, type DataApp, makeTenants } from '../support/data-app.js';
import { delegateOf, type ModelDelegate, TENANT_FIXTURES, TENANT_TABLES, type TenantFixture } from '../support/tenant-fixtures.js';

/**
 * Tenant isolation, proven against PostgreSQL through the tenant-facing role: for every tenant
 * table (driven by test/support/tenant-fixtures.ts), tenant A can neither see nor change tenant B's
 * rows, whatever the operation; without a tenant, nothing runs; a tenantless context (user-level
 * work) reaches no tenant's rows, even through raw SQL; and tenants sharing a small pool never see
 * each other's data.
 */

type Row = Record<string, unknown>;

const MISSING_TENANT = { code: 'tenant_context_missing' };
/** What Prisma reports when PostgreSQL rejects a row by a policy's WITH CHECK (SQLSTATE 42501). */
const RLS_REJECTION = {
  code: 'P2039',
  message: expect.stringContaining('new row violates row-level security policy'),
  meta: expect.objectContaining({ driverAdapterError: expect.objectContaining({ cause: expect.objectContaining({ originalCode: '42501' }) }) }),
};
const NOT_FOUND = { code: 'P2025' };
/** An append-only table (no UPDATE/DELETE grant to the tenant role) refuses changes outright. */
const PERMISSION_DENIED = { message: expect.stringMatching(/permission denied|42501/) };

/** What PostgreSQL reports through db.sql when a policy's WITH CHECK rejects a row. */
const RAW_RLS_REJECTION = { message: expect.stringContaining('new row violates row-level security policy') };

/** A user who is a member of each of the given tenants (made through the platform role); returns its id. */
async function makeMember(t: DataApp, tenantIds: string[]): Promise<string> {
  const user = await t.platform.client.user.create({ data: { email: `${randomUUID()}@example.test`, name: 'Member' }, select: { id: true } });
  for (const tenantId of tenantIds) await t.platform.client.membership.create({ data: { tenantId, userId: user.id, role: 'owner' } });
  return user.id;
}

const jitter = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.random() * 5));

/** How many rows the suite gives each tenant: two where the model allows it, to catch off-by-one leaks. */
const seededRows = (fixture: TenantFixture): number => Math.min(fixture.rowsPerTenant, 2);

async function seed(t: DataApp, fixture: TenantFixture, tenantId: string): Promise<void> {
  for (let n = 0; n < seededRows(fixture); n++) await fixture.create(t.platform.client, tenantId, n);
}

/** What really is in the table for the tenant, read through the platform role (RLS bypassed). */
async function rowsOf(t: DataApp, fixture: TenantFixture, tenantId: string): Promise<string[]> {
  const rows = await delegateOf(t.platform.client, fixture.model).findMany({ where: { tenantId } });
  return rows.map((row) => JSON.stringify(row, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))).sort();
}

const tenantIdsOf = (rows: Row[]): unknown[] => [...new Set(rows.map((row) => row.tenantId))];

let t: DataApp;
beforeAll(async () => {
  t = await createDataApp();
});
afterAll(async () => {
  await t?.close();
});

describe('the tenant fixture registry', () => {
  it('covers every table with a tenant_id column in schema public, so no table skips this suite', async () => {
    // The catalog, not information_schema: the latter hides tables the querying role has no grant on.
    const { rows } = await t.platform.pool.query<{ table: string }>(
      `select c.relname as table
         from pg_class c
         join pg_namespace n on n.oid = c.relnamespace
         join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
        where n.nspname = 'public' and c.relkind in ('r', 'p')
        order by 1`,
    );
    const tenantTables = rows.map((r) => r.table);

    const uncovered = tenantTables.filter((table) => !TENANT_TABLES.includes(table));
    const stale = TENANT_TABLES.filter((table) => !tenantTables.includes(table));
    expect(uncovered).toEqual([]); // add an entry to test/support/tenant-fixtures.ts
    expect(stale).toEqual([]);
  });

  it('covers every Prisma model with a tenantId field', () => {
    const tenantModels = Object.values(Prisma.ModelName).filter((model) => {
      const fields = (Prisma as unknown as Record<string, object | undefined>)[`${model}ScalarFieldEnum`];
      return fields !== undefined && 'tenantId' in fields;
    });
    expect(TENANT_FIXTURES.map((f) => f.model).sort()).toEqual(tenantModels.sort());
  });
});

describe.each(TENANT_FIXTURES)('tenant table $table', (fixture) => {
  /** A and B have rows; C has none yet. */
  let A: string;
  let B: string;
  let C: string;
  let bRowsBefore: string[];

  beforeEach(async () => {
    [A, B, C] = (await makeTenants(t.platform, 3, { settings: false })) as [string, string, string];
    await seed(t, fixture, A);
    await seed(t, fixture, B);
    bRowsBefore = await rowsOf(t, fixture, B);
  });

  const asA = <T>(fn: (model: ModelDelegate) => Promise<T>): Promise<T> =>
    t.ctx.run({ tenantId: A }, () => fn(delegateOf(t.db.client, fixture.model)));

  const expectBUnchanged = async (): Promise<void> => {
    expect(await rowsOf(t, fixture, B)).toEqual(bRowsBefore);
  };

  describe('in A’s context, B’s rows are invisible', () => {
    it('findMany returns only A’s rows, and none when asked for B’s', async () => {
      expect(tenantIdsOf(await asA((m) => m.findMany()))).toEqual([A]);
      expect(await asA((m) => m.findMany({ where: { tenantId: B } }))).toEqual([]);
    });

    it('findFirst finds A’s row, and nothing of B’s', async () => {
      expect(await asA((m) => m.findFirst({ where: { tenantId: A } }))).toMatchObject({ tenantId: A });
      expect(await asA((m) => m.findFirst({ where: { tenantId: B } }))).toBeNull();
    });

    it('findUnique by key finds A’s row, and not B’s', async () => {
      expect(await asA((m) => m.findUnique({ where: fixture.key(A, 0) }))).toMatchObject({ tenantId: A });
      expect(await asA((m) => m.findUnique({ where: fixture.key(B, 0) }))).toBeNull();
    });

    it('count counts A’s rows only', async () => {
      expect(await asA((m) => m.count())).toBe(seededRows(fixture));
      expect(await asA((m) => m.count({ where: { tenantId: B } }))).toBe(0);
    });

    it('aggregate counts A’s rows only', async () => {
      expect(await asA((m) => m.aggregate({ _count: true }))).toEqual({ _count: seededRows(fixture) });
      expect(await asA((m) => m.aggregate({ where: { tenantId: B }, _count: true }))).toEqual({ _count: 0 });
    });

    it('groupBy tenantId yields A’s group alone', async () => {
      expect(await asA((m) => m.groupBy({ by: ['tenantId'], _count: { _all: true } }))).toEqual([
        { tenantId: A, _count: { _all: seededRows(fixture) } },
      ]);
    });

    it('raw SQL through db.sql sees A’s rows only', async () => {
      const table = Prisma.raw(`"${fixture.table}"`);
      const all = await t.ctx.run({ tenantId: A }, () => t.db.sql<{ tenant_id: string }>`select tenant_id::text from ${table}`);
      expect([...new Set(all.map((r) => r.tenant_id))]).toEqual([A]);
      const bs = await t.ctx.run({ tenantId: A }, () => t.db.sql`select 1 from ${table} where tenant_id = ${B}::uuid`);
      expect(bs).toEqual([]);
    });
  });

  describe('in A’s context, B’s rows cannot be changed', () => {
    // An append-only table refuses every change to anyone's rows; the rest filter them to A's.
    const changeOf = async (op: (m: ModelDelegate) => Promise<unknown>, expected: unknown): Promise<void> => {
      if (fixture.appendOnly) await expect(asA(op)).rejects.toMatchObject(PERMISSION_DENIED);
      else expect(await asA(op)).toEqual(expected);
    };

    it('updateMany aimed at B’s rows changes nothing', async () => {
      await changeOf((m) => m.updateMany({ where: { tenantId: B }, data: fixture.patch }), { count: 0 });
      await expectBUnchanged();
    });

    it('updateMany without a where changes A’s rows alone', async () => {
      await changeOf((m) => m.updateMany({ data: fixture.patch }), { count: seededRows(fixture) });
      await expectBUnchanged();
    });

    it('deleteMany aimed at B’s rows deletes nothing', async () => {
      await changeOf((m) => m.deleteMany({ where: { tenantId: B } }), { count: 0 });
      await expectBUnchanged();
    });

    it('deleteMany without a where deletes A’s rows alone', async () => {
      await changeOf((m) => m.deleteMany(), { count: seededRows(fixture) });
      if (!fixture.appendOnly) expect(await rowsOf(t, fixture, A)).toEqual([]);
      await expectBUnchanged();
    });

    it('update of B’s row by its key fails as not found, and B’s row is unchanged', async () => {
      await expect(asA((m) => m.update({ where: fixture.key(B, 0), data: fixture.patch }))).rejects.toMatchObject(
        fixture.appendOnly ? PERMISSION_DENIED : NOT_FOUND,
      );
      await expectBUnchanged();
    });

    it('delete of B’s row by its key fails as not found, and B’s row is still there', async () => {
      await expect(asA((m) => m.delete({ where: fixture.key(B, 0) }))).rejects.toMatchObject(
        fixture.appendOnly ? PERMISSION_DENIED : NOT_FOUND,
      );
      await expectBUnchanged();
    });
  });

  describe('in A’s context, rows carrying another tenant’s id cannot be written', () => {
    // For a model with one row per tenant, B's slot is taken: PostgreSQL checks the policy first.
    const freshRow = (): number => (fixture.rowsPerTenant > seededRows(fixture) ? seededRows(fixture) : 0);

    it('an insert carrying B’s tenantId is rejected by the policy’s WITH CHECK, and nothing is written', async () => {
      await expect(asA((m) => m.create({ data: fixture.data(B, freshRow()) }))).rejects.toMatchObject(RLS_REJECTION);
      await expectBUnchanged();
    });

    it('an insert carrying the id of a tenant without rows is rejected, and nothing is written', async () => {
      await expect(asA((m) => m.create({ data: fixture.data(C, 0) }))).rejects.toMatchObject(RLS_REJECTION);
      expect(await rowsOf(t, fixture, C)).toEqual([]);
    });

    it('an upsert of B’s row is rejected, and B’s rows are unchanged', async () => {
      const upsert = asA((m) => m.upsert({ where: fixture.key(B, 0), create: fixture.data(B, 0), update: fixture.patch }));
      await expect(upsert).rejects.toMatchObject(fixture.appendOnly ? PERMISSION_DENIED : RLS_REJECTION);
      await expectBUnchanged();
    });

    it('moving A’s rows to another tenant (setting their tenantId) is rejected', async () => {
      await expect(asA((m) => m.updateMany({ where: { tenantId: A }, data: { tenantId: C } }))).rejects.toMatchObject(
        fixture.appendOnly ? PERMISSION_DENIED : RLS_REJECTION,
      );
      expect(await rowsOf(t, fixture, C)).toEqual([]);
    });
  });

  describe('without a tenant in context', () => {
    const operations: Array<[string, (m: ModelDelegate) => Promise<unknown>]> = [
      ['findMany', (m) => m.findMany()],
      ['findFirst', (m) => m.findFirst({ where: { tenantId: A } })],
      ['findUnique', (m) => m.findUnique({ where: fixture.key(A, 0) })],
      ['count', (m) => m.count()],
      ['aggregate', (m) => m.aggregate({ _count: true })],
      ['groupBy', (m) => m.groupBy({ by: ['tenantId'], _count: { _all: true } })],
      ['create', (m) => m.create({ data: fixture.data(C, 0) })],
      ['update', (m) => m.update({ where: fixture.key(A, 0), data: fixture.patch })],
      ['upsert', (m) => m.upsert({ where: fixture.key(A, 0), create: fixture.data(A, 0), update: fixture.patch })],
      ['updateMany', (m) => m.updateMany({ data: fixture.patch })],
      ['delete', (m) => m.delete({ where: fixture.key(A, 0) })],
      ['deleteMany', (m) => m.deleteMany()],
    ];

    const named = 'outside any context, in a context without a tenant, and in a tenantless one';
    it.each(operations)(`%s throws tenant_context_missing, ${named}`, async (_name, op) => {
      const model = delegateOf(t.db.client, fixture.model);
      await expect(op(model)).rejects.toMatchObject(MISSING_TENANT);
      await expect(t.ctx.run({ userId: 'anonymous' }, () => op(model))).rejects.toMatchObject(MISSING_TENANT);
      const userId = randomUUID();
      await expect(t.ctx.runWithoutTenant({ userId }, () => op(model))).rejects.toMatchObject(MISSING_TENANT);
      await expect(t.ctx.runWithoutTenant({ userId }, () => t.db.transaction(() => op(model)))).rejects.toMatchObject(MISSING_TENANT);
      await expect(t.ctx.runWithoutTenant({}, () => op(model))).rejects.toMatchObject(MISSING_TENANT);
      expect(await rowsOf(t, fixture, A)).toHaveLength(seededRows(fixture));
      expect(await rowsOf(t, fixture, C)).toEqual([]);
    });

    it('the raw helper db.sql rejects with tenant_context_missing', async () => {
      await expect(t.db.sql`select 1`).rejects.toMatchObject(MISSING_TENANT);
      await expect(t.ctx.run({}, () => t.db.sql`select 1`)).rejects.toMatchObject(MISSING_TENANT);
    });

    it('the raw helper db.sql rejects with tenant_context_missing in a context that names a user but no tenant by accident', async () => {
      const member = randomUUID();
      await expect(t.ctx.run({ userId: member }, () => t.db.sql`select 1`)).rejects.toMatchObject(MISSING_TENANT);
      await expect(t.ctx.run({ userId: member }, () => t.db.transaction(async () => 'ran'))).rejects.toMatchObject(MISSING_TENANT);
    });

    it('a raw query on db.pool sees zero rows (never all of them)', async () => {
      const table = `"${fixture.table}"`;
      const everything = await t.platform.pool.query<{ n: number }>(`select count(*)::int as n from ${table}`);
      expect(everything.rows[0]!.n).toBeGreaterThan(0);

      const { rows } = (await t.db.pool.query(`select count(*)::int as n from ${table}`)) as pg.QueryResult<{ n: number }>;
      expect(rows[0]!.n).toBe(0);
    });
  });

  describe('in a tenantless context (runWithoutTenant), even a member of A and B reaches none of their rows through raw SQL', () => {
    const table = Prisma.raw(`"${fixture.table}"`);
    let member: string;
    /** What A and B hold once the member exists (a membership is a row of the memberships table). */
    let before: { a: string[]; b: string[] };
    beforeEach(async () => {
      member = await makeMember(t, [A, B]);
      before = { a: await rowsOf(t, fixture, A), b: await rowsOf(t, fixture, B) };
    });
    /** The member's user-level context, then the anonymous one, each standalone and in a unit of work. */
    const scopes = (): Array<[string, <T>(fn: () => Promise<T>) => Promise<T>]> => [
      ['as the member', (fn) => t.ctx.runWithoutTenant({ userId: member }, fn)],
      ['as the member, in a unit of work', (fn) => t.ctx.runWithoutTenant({ userId: member }, () => t.db.transaction(fn))],
      ['anonymously', (fn) => t.ctx.runWithoutTenant({}, fn)],
      ['anonymously, in a unit of work', (fn) => t.ctx.runWithoutTenant({}, () => t.db.transaction(fn))],
    ];
    const expectNothingChanged = async (): Promise<void> => {
      expect(await rowsOf(t, fixture, A)).toEqual(before.a);
      expect(await rowsOf(t, fixture, B)).toEqual(before.b);
      expect(await rowsOf(t, fixture, C)).toEqual([]);
    };

    it('a select sees zero rows, filtered by tenant or not', async () => {
      for (const [, scope] of scopes()) {
        expect(await scope(() => t.db.sql`select count(*)::int as n from ${table}`)).toEqual([{ n: 0 }]);
        expect(await scope(() => t.db.sql`select count(*)::int as n from ${table} where tenant_id = ${A}::uuid`)).toEqual([{ n: 0 }]);
      }
    });

    it('an update or delete touches no row (or is refused: append-only)', async () => {
      for (const [, scope] of scopes()) {
        const update = scope(() => t.db.sql`update ${table} set tenant_id = tenant_id returning 1`);
        const remove = scope(() => t.db.sql`delete from ${table} where tenant_id in (${A}::uuid, ${B}::uuid) returning 1`);
        if (fixture.appendOnly) {
          await expect(update).rejects.toMatchObject(PERMISSION_DENIED);
          await expect(remove).rejects.toMatchObject(PERMISSION_DENIED);
        } else {
          expect(await update).toEqual([]);
          expect(await remove).toEqual([]);
        }
      }
      await expectNothingChanged();
    });

    it('an insert of a row for A or for a tenant with no rows yet is rejected by the policy', async () => {
      const { rows } = await t.platform.pool.query<{ row: string }>(
        `select row_to_json(x)::text as row from "${fixture.table}" x where tenant_id = $1 limit 1`,
        [A],
      );
      const copyOfA = rows[0]!.row;
      // The same row for C: only tenant_id differs (any composite reference then names C).
      const forC = JSON.stringify({ ...(JSON.parse(copyOfA) as Row), tenant_id: C });
      for (const [, scope] of scopes()) {
        for (const json of [copyOfA, forC]) {
          const insert = scope(() => t.db.sql`insert into ${table} select * from json_populate_record(null::${table}, ${json}::json) returning 1`);
          await expect(insert).rejects.toMatchObject(RAW_RLS_REJECTION);
        }
      }
      await expectNothingChanged();
    });
  });
});

describe('the tenants table', () => {
  let A: string;
  let B: string;
  beforeEach(async () => {
    [A, B] = (await makeTenants(t.platform, 2)) as [string, string];
  });
  const tenantRow = (id: string) => t.platform.client.tenant.findUniqueOrThrow({ where: { id } });
  const asA = <T>(fn: () => Promise<T>): Promise<T> => t.ctx.run({ tenantId: A }, fn);

  it('A can rename itself (the control for the tests below)', async () => {
    await asA(() => t.db.client.tenant.update({ where: { id: A }, data: { name: 'A renamed' } }));
    expect((await tenantRow(A)).name).toBe('A renamed');
  });

  it('in A’s context, updateMany of tenant B changes nothing', async () => {
    const before = await tenantRow(B);
    expect(await asA(() => t.db.client.tenant.updateMany({ where: { id: B }, data: { name: 'taken over' } }))).toEqual({ count: 0 });
    expect(await tenantRow(B)).toEqual(before);
  });

  it('in A’s context, update of tenant B fails as not found and changes nothing', async () => {
    const before = await tenantRow(B);
    const update = asA(() => t.db.client.tenant.update({ where: { id: B }, data: { status: 'suspended' } }));
    await expect(update).rejects.toMatchObject(NOT_FOUND);
    expect(await tenantRow(B)).toEqual(before);
  });

  it('in A’s context, deleting tenant B (or any tenant) is refused: deletion is platform work', async () => {
    await expect(asA(() => t.db.client.tenant.deleteMany({ where: { id: B } }))).rejects.toThrow('permission denied for table tenants');
    await expect(asA(() => t.db.client.tenant.deleteMany({ where: { id: A } }))).rejects.toThrow('permission denied for table tenants');
    expect(await tenantRow(B)).toMatchObject({ id: B });
  });
});

describe('user-level work in a tenantless context (runWithoutTenant)', () => {
  let A: string;
  let B: string;
  let X: string;
  let Y: string;
  beforeEach(async () => {
    [A, B] = (await makeTenants(t.platform, 2)) as [string, string];
    X = await makeMember(t, [A]);
    Y = await makeMember(t, [A, B]);
  });
  const as = <T>(userId: string, fn: () => Promise<T>): Promise<T> => t.ctx.runWithoutTenant({ userId }, fn);
  const session = async (userId: string): Promise<string> => {
    const { rows } = await t.platform.pool.query<{ id: string }>(
      `insert into refresh_tokens (user_id, family_id, active_tenant_id, token_hash, expires_at)
       values ($1, gen_random_uuid(), $2, uuid_send(gen_random_uuid()), now() + interval '1 day') returning id`,
      [userId, A],
    );
    return rows[0]!.id;
  };
  const revokedOf = async (id: string) => (await t.platform.client.refreshToken.findUniqueOrThrow({ where: { id } })).revokedAt;

  it('the user sees and changes its own sessions only, never another user’s', async () => {
    const mine = await session(X);
    const theirs = await session(Y);

    expect(await as(X, () => t.db.sql`select id::text from refresh_tokens`)).toEqual([{ id: mine }]);
    expect(await as(X, () => t.db.sql`update refresh_tokens set revoked_at = now() returning id::text`)).toEqual([{ id: mine }]);
    expect(await revokedOf(theirs)).toBeNull();
    const forY = as(X, () =>
      t.db.sql`insert into refresh_tokens (user_id, family_id, active_tenant_id, token_hash, expires_at)
               values (${Y}::uuid, gen_random_uuid(), ${A}::uuid, uuid_send(gen_random_uuid()), now()) returning id`,
    );
    await expect(forY).rejects.toMatchObject(RAW_RLS_REJECTION);
  });

  it('the users table shows the user itself, not the other members of its tenants (in A’s context it does)', async () => {
    expect(await as(X, () => t.db.sql`select id::text from users`)).toEqual([{ id: X }]);
    const inA = await t.ctx.run({ tenantId: A, userId: X }, () => t.db.sql<{ id: string }>`select id::text from users`);
    expect(inA.map((u) => u.id).sort()).toEqual([X, Y].sort());
  });

  it('auth_my_tenants() lists the user’s own tenants; anonymously it lists none', async () => {
    const tenantsOf = (userId: string) => as(userId, () => t.db.sql<{ id: string }>`select tenant_id::text as id from auth_my_tenants()`);
    expect((await tenantsOf(X)).map((r) => r.id)).toEqual([A]);
    expect((await tenantsOf(Y)).map((r) => r.id).sort()).toEqual([A, B].sort());
    expect(await t.ctx.runWithoutTenant({}, () => t.db.sql`select tenant_id from auth_my_tenants()`)).toEqual([]);
  });

  it('no tenant can be changed, neither its row in tenants nor its memberships', async () => {
    const before = await t.platform.client.tenant.findUniqueOrThrow({ where: { id: A } });
    expect(await as(Y, () => t.db.sql`update tenants set name = 'taken over' returning id`)).toEqual([]);
    expect(await as(Y, () => t.db.sql`update memberships set role = 'member' returning tenant_id`)).toEqual([]);
    expect(await t.platform.client.tenant.findUniqueOrThrow({ where: { id: A } })).toEqual(before);
    expect(await t.platform.client.membership.findMany({ where: { userId: Y }, select: { role: true } })).toEqual([{ role: 'owner' }, { role: 'owner' }]);
  });
});

describe('ten tenants interleaved on a pool of two connections', () => {
  let small: DataApp;
  let tenants: string[];

  beforeAll(async () => {
    small = await createDataApp({ env: { DB_POOL_MAX: '2' } });
    tenants = await makeTenants(small.platform, 10, { settings: false });
    for (const tenantId of tenants) for (const fixture of TENANT_FIXTURES) await seed(small, fixture, tenantId);
  });
  afterAll(async () => {
    await small?.close();
  });

  it('each unit of work and each standalone operation sees only its own tenant’s rows and setting', async () => {
    const leaks: string[] = [];
    const expectOwn = (tenantId: string, what: string, seen: unknown[]): void => {
      const foreign = seen.filter((id) => id !== tenantId);
      if (foreign.length > 0) leaks.push(`${tenantId} saw ${JSON.stringify(foreign)} in ${what}`);
    };
    const currentTenant = async (): Promise<string> =>
      (await small.db.sql<{ tenant: string }>`select current_setting('app.tenant_id') as tenant`)[0]!.tenant;

    const work = (tenantId: string) => async (): Promise<void> => {
      for (let round = 0; round < 3; round++) {
        await small.db.transaction(async (tx) => {
          await jitter();
          expectOwn(tenantId, `unit of work ${round}: app.tenant_id`, [await currentTenant()]);
          for (const fixture of TENANT_FIXTURES) {
            expectOwn(tenantId, `unit of work ${round}: ${fixture.model}.findMany`, tenantIdsOf(await delegateOf(tx, fixture.model).findMany()));
            await jitter();
          }
          await tx.tenantSettings.update({ where: { tenantId }, data: { displayName: `${tenantId} round ${round}` } });
          await jitter();
          const mine = await small.db.client.tenantSettings.findUnique({ where: { tenantId } });
          if (mine?.displayName !== `${tenantId} round ${round}`) leaks.push(`${tenantId} read back ${JSON.stringify(mine)}`);
          const raw = await small.db.sql<{ tenant_id: string }>`select tenant_id::text from tenant_settings`;
          expectOwn(tenantId, `unit of work ${round}: raw select`, raw.map((r) => r.tenant_id));
        });

        await jitter();
        expectOwn(tenantId, `standalone ${round}: app.tenant_id`, [await currentTenant()]);
        for (const fixture of TENANT_FIXTURES) {
          const model = delegateOf(small.db.client, fixture.model);
          expectOwn(tenantId, `standalone ${round}: ${fixture.model}.findMany`, tenantIdsOf(await model.findMany()));
          await jitter();
          expectOwn(tenantId, `standalone ${round}: ${fixture.model}.findFirst`, [(await model.findFirst())?.tenantId]);
          if ((await model.count()) !== seededRows(fixture)) leaks.push(`${tenantId} counted foreign ${fixture.model} rows`);
        }
      }
    };

    await Promise.all(tenants.map((tenantId) => small.ctx.run({ tenantId }, work(tenantId))));

    expect(leaks).toEqual([]);
    const written = await small.platform.client.tenantSettings.findMany({ where: { tenantId: { in: tenants } } });
    expect(Object.fromEntries(written.map((s) => [s.tenantId, s.displayName]))).toEqual(
      Object.fromEntries(tenants.map((tenantId) => [tenantId, `${tenantId} round 2`])),
    );
  });

  // Regression: Prisma batches findUnique calls made in the same tick into one query, which runs in
  // ONE caller's tenant context; RLS would then hide the other callers' rows (they would get null).
  it('findUnique calls from different tenants in the same tick each get their own row', async () => {
    for (let round = 0; round < 5; round++) {
      const found = await Promise.all(
        tenants.map((tenantId) => small.ctx.run({ tenantId }, () => small.db.client.tenantSettings.findUnique({ where: { tenantId } }))),
      );
      expect(found.map((settings) => settings?.tenantId)).toEqual(tenants);
    }
  });

  it('findUniqueOrThrow calls from two tenants in the same tick each get their own row', async () => {
    const [A, B] = tenants as [string, string];
    const [a, b] = await Promise.all([
      small.ctx.run({ tenantId: A }, () => small.db.client.tenantSettings.findUniqueOrThrow({ where: { tenantId: A } })),
      small.ctx.run({ tenantId: B }, () => small.db.client.tenantSettings.findUniqueOrThrow({ where: { tenantId: B } })),
    ]);
    expect([a.tenantId, b.tenantId]).toEqual([A, B]);
  });
});
