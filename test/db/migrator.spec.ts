import { createHash, randomBytes } from 'node:crypto';
import { appendFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { migrate, type MigrateOptions, readMigrations, scramSha256Verifier } from '../../src/platform/db/migrator.js';
import { dropDatabase, pgUrl, TEST_ROLES, testDatabaseUrls, uniqueDatabaseName, withAdminClient } from '../support/database.js';

const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../prisma/migrations');

// Undo steps run last-in first-out, so a role registered before its database is dropped after it.
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** Options for a database that does not exist yet (the migrator creates it); dropped after the test. */
function freshDatabase(migrationsDir = MIGRATIONS_DIR): { name: string; options: MigrateOptions } {
  const name = uniqueDatabaseName('tenantry_test_mig');
  cleanups.push(() => dropDatabase(name));
  return { name, options: { ...testDatabaseUrls(name), migrationsDir } };
}

async function copyOfMigrations(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tenantry-migrations-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

async function addMigration(dir: string, name: string, sql: string): Promise<void> {
  await mkdir(path.join(dir, name), { recursive: true });
  await writeFile(path.join(dir, name, 'migration.sql'), sql);
}

async function createRole(name: string, attributes: string): Promise<void> {
  await withAdminClient((admin) => admin.query(`CREATE ROLE ${pg.escapeIdentifier(name)} ${attributes}`));
  cleanups.push(() => withAdminClient((admin) => admin.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(name)}`)));
}

function sql<T extends pg.QueryResultRow>(database: string, text: string, params: unknown[] = []): Promise<T[]> {
  return withAdminClient(async (client) => (await client.query<T>(text, params)).rows, database);
}

const ledgerNames = async (database: string): Promise<string[]> =>
  (await sql<{ migration_name: string }>(database, 'SELECT migration_name FROM _prisma_migrations ORDER BY migration_name')).map(
    (r) => r.migration_name,
  );

describe('migrate', () => {
  it('creates a missing database, applies every migration and records each one as Prisma does', async () => {
    const names = (await readMigrations(MIGRATIONS_DIR)).map((m) => m.name);
    const { name, options } = freshDatabase();

    const summary = await migrate(options);

    expect(summary).toEqual({ database: name, createdDatabase: true, applied: names, skipped: 0 });
    const rows = await sql<{ migration_name: string; checksum: string; finished: boolean; rolled_back_at: Date | null; applied_steps_count: number }>(
      name,
      `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, rolled_back_at, applied_steps_count
         FROM _prisma_migrations ORDER BY migration_name`,
    );
    for (const [i, row] of rows.entries()) {
      const bytes = await readFile(path.join(MIGRATIONS_DIR, names[i] as string, 'migration.sql'));
      expect(row).toEqual({
        migration_name: names[i],
        checksum: createHash('sha256').update(bytes).digest('hex'),
        finished: true,
        rolled_back_at: null,
        applied_steps_count: 1,
      });
    }
    const columns = await sql(
      name,
      `SELECT column_name, data_type, character_maximum_length AS len, is_nullable, column_default
         FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns).toEqual([
      { column_name: 'id', data_type: 'character varying', len: 36, is_nullable: 'NO', column_default: null },
      { column_name: 'checksum', data_type: 'character varying', len: 64, is_nullable: 'NO', column_default: null },
      { column_name: 'finished_at', data_type: 'timestamp with time zone', len: null, is_nullable: 'YES', column_default: null },
      { column_name: 'migration_name', data_type: 'character varying', len: 255, is_nullable: 'NO', column_default: null },
      { column_name: 'logs', data_type: 'text', len: null, is_nullable: 'YES', column_default: null },
      { column_name: 'rolled_back_at', data_type: 'timestamp with time zone', len: null, is_nullable: 'YES', column_default: null },
      { column_name: 'started_at', data_type: 'timestamp with time zone', len: null, is_nullable: 'NO', column_default: 'now()' },
      { column_name: 'applied_steps_count', data_type: 'integer', len: null, is_nullable: 'NO', column_default: '0' },
    ]);
  });

  it('applies nothing when run again', async () => {
    const { name, options } = freshDatabase();
    const first = await migrate(options);

    const second = await migrate(options);

    expect(second).toEqual({ database: name, createdDatabase: false, applied: [], skipped: first.applied.length });
    expect(await ledgerNames(name)).toEqual(first.applied);
  });

  it('refuses a migration edited after it was applied, naming it', async () => {
    const dir = await copyOfMigrations();
    const { options } = freshDatabase(dir);
    const [first] = (await migrate(options).then((s) => s.applied)) as [string];
    await appendFile(path.join(dir, first, 'migration.sql'), '\n-- edited after it was applied\n');

    await expect(migrate(options)).rejects.toThrow(`Migration "${first}" was modified after it was applied`);
  });

  it('accepts an applied migration whose only change is CRLF line endings, as Prisma does', async () => {
    const dir = await copyOfMigrations();
    const { options } = freshDatabase(dir);
    const [first] = (await migrate(options).then((s) => s.applied)) as [string];
    const file = path.join(dir, first, 'migration.sql');
    await writeFile(file, (await readFile(file, 'utf8')).replace(/\n/g, '\r\n'));

    await expect(migrate(options)).resolves.toMatchObject({ applied: [] });
  });

  it('refuses when an applied migration folder is missing on disk', async () => {
    const dir = await copyOfMigrations();
    await addMigration(dir, '29990101000000_extra', 'CREATE TABLE extra_probe (id int);');
    const { options } = freshDatabase(dir);
    await migrate(options);
    await rm(path.join(dir, '29990101000000_extra'), { recursive: true });

    await expect(migrate(options)).rejects.toThrow(
      'Migration "29990101000000_extra" is applied in the database but its folder is missing',
    );
  });

  it('refuses while the ledger holds a failed or unfinished migration', async () => {
    const { name, options } = freshDatabase();
    await migrate(options);
    await sql(name, `INSERT INTO _prisma_migrations (id, checksum, migration_name) VALUES ($1, 'x', '29990101000000_half')`, [
      randomBytes(8).toString('hex'),
    ]);

    await expect(migrate(options)).rejects.toThrow('Migration "29990101000000_half" is recorded as started but never finished');
  });

  it('rolls back a failing migration entirely: no ledger row, no partial objects; a fixed file applies', async () => {
    const dir = await copyOfMigrations();
    const broken = '29990101000000_broken';
    await addMigration(dir, broken, 'CREATE TABLE broken_probe (id int);\nINSERT INTO broken_probe VALUES (1);\nSELECT * FROM no_such_table;\n');
    const { name, options } = freshDatabase(dir);
    const earlier = (await readMigrations(MIGRATIONS_DIR)).map((m) => m.name);

    await expect(migrate(options)).rejects.toThrow(
      `Migration "${broken}" failed at line 3 and was rolled back: relation "no_such_table" does not exist`,
    );

    expect(await ledgerNames(name)).toEqual(earlier);
    expect(await sql(name, `SELECT to_regclass('public.broken_probe') AS t`)).toEqual([{ t: null }]);

    await addMigration(dir, broken, 'CREATE TABLE broken_probe (id int);\n');
    await expect(migrate(options)).resolves.toMatchObject({ applied: [broken] });
  });

  it('serialises concurrent runs on one fresh database: each migration is applied exactly once', async () => {
    const names = (await readMigrations(MIGRATIONS_DIR)).map((m) => m.name);
    const { name, options } = freshDatabase();

    const [a, b] = await Promise.all([migrate(options), migrate(options)]);

    expect([...a.applied, ...b.applied].sort()).toEqual(names);
    expect(a.skipped + b.skipped).toBe(names.length);
    expect(await ledgerNames(name)).toEqual(names);
  });

  it('makes the app role a powerless login and the platform role a BYPASSRLS login, both in their groups', async () => {
    const { name, options } = freshDatabase();
    await migrate(options);

    const roles = await sql(
      name,
      `SELECT rolname, rolcanlogin, rolsuper, rolbypassrls, rolcreatedb, rolcreaterole,
              pg_has_role(oid, 'tenantry_tenant_access', 'MEMBER') AS tenant_group,
              pg_has_role(oid, 'tenantry_platform_access', 'MEMBER') AS platform_group,
              has_database_privilege(oid, current_database(), 'CONNECT') AS can_connect,
              (SELECT count(*)::int FROM pg_class c WHERE c.relowner = r.oid) AS owned_relations
         FROM pg_roles r WHERE rolname = ANY($1) ORDER BY rolname = $2 DESC`,
      [[TEST_ROLES.app.user, TEST_ROLES.platform.user], TEST_ROLES.app.user],
    );
    const flags = { rolcanlogin: true, rolsuper: false, rolcreatedb: false, rolcreaterole: false, can_connect: true };
    expect(roles).toEqual([
      { rolname: TEST_ROLES.app.user, ...flags, rolbypassrls: false, tenant_group: true, platform_group: false, owned_relations: 0 },
      { rolname: TEST_ROLES.platform.user, ...flags, rolbypassrls: true, tenant_group: false, platform_group: true, owned_relations: 0 },
    ]);
  });

  it('corrects the attributes of an existing login role', async () => {
    const role = `tenantry_app_fix_${randomBytes(4).toString('hex')}`;
    await createRole(role, 'NOLOGIN CREATEDB CREATEROLE BYPASSRLS');
    const { name, options } = freshDatabase();

    await migrate({ ...options, appUrl: pgUrl(name, role, 'fixed_pw') });

    expect(await sql('postgres', 'SELECT rolcanlogin, rolbypassrls, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = $1', [role])).toEqual([
      { rolcanlogin: true, rolbypassrls: false, rolcreatedb: false, rolcreaterole: false },
    ]);
  });

  it('refuses when the app role owns an object', async () => {
    const role = `tenantry_app_owner_${randomBytes(4).toString('hex')}`;
    await createRole(role, 'LOGIN');
    const { name, options } = freshDatabase();
    const appOptions = { ...options, appUrl: pgUrl(name, role, 'pw') };
    await migrate(appOptions);
    await sql(name, `ALTER TABLE tenants OWNER TO ${pg.escapeIdentifier(role)}`);

    await expect(migrate(appOptions)).rejects.toThrow(`App role "${role}" owns 1 object(s)`);
  });

  it('refuses URLs that share a user between owner, app and platform', async () => {
    const { name, options } = freshDatabase();

    await expect(migrate({ ...options, appUrl: pgUrl(name, 'postgres', 'x') })).rejects.toThrow('must use three different users');
  });

  it('stores the password as the SCRAM verifier PostgreSQL itself computes', async () => {
    const probe = `tenantry_scram_probe_${randomBytes(4).toString('hex')}`;
    await withAdminClient(async (admin) => {
      await admin.query(`SET password_encryption = 'scram-sha-256'`);
      await admin.query(`CREATE ROLE ${pg.escapeIdentifier(probe)} PASSWORD 'p@ss w0rd'`);
    });
    cleanups.push(() => sql('postgres', `DROP ROLE ${pg.escapeIdentifier(probe)}`));
    const { options } = freshDatabase();
    await migrate(options);

    const stored = await sql<{ rolname: string; rolpassword: string }>(
      'postgres',
      'SELECT rolname, rolpassword FROM pg_authid WHERE rolname = ANY($1)',
      [[probe, TEST_ROLES.app.user]],
    );
    const passwords: Record<string, string> = { [probe]: 'p@ss w0rd', [TEST_ROLES.app.user]: TEST_ROLES.app.password };
    expect(stored).toHaveLength(2);
    for (const { rolname, rolpassword } of stored) {
      const [, iterations, salt] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(rolpassword) ?? [];
      expect(scramSha256Verifier(passwords[rolname] as string, Buffer.from(salt as string, 'base64'), Number(iterations))).toBe(rolpassword);
    }
  });

  it('with an owner that cannot manage roles, goes on when the roles are right and fails clearly when one is missing', async () => {
    const owner = `tenantry_owner_${randomBytes(4).toString('hex')}`;
    await createRole(owner, 'LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB');
    const name = uniqueDatabaseName('tenantry_test_mig');
    await sql('postgres', `CREATE DATABASE ${pg.escapeIdentifier(name)} OWNER ${pg.escapeIdentifier(owner)}`);
    cleanups.push(() => dropDatabase(name));
    const options = { ...testDatabaseUrls(name), ownerUrl: pgUrl(name, owner), migrationsDir: MIGRATIONS_DIR };

    // The shared test roles already exist with the right attributes and groups (global setup made them).
    await expect(migrate(options)).resolves.toMatchObject({ skipped: 0 });

    const missing = `tenantry_missing_${randomBytes(4).toString('hex')}`;
    await expect(migrate({ ...options, appUrl: pgUrl(name, missing, 'pw') })).rejects.toThrow(
      `Login role "${missing}" (app) does not exist, and "${owner}" cannot create roles`,
    );
  });
});
