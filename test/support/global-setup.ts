import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ProjectConfig } from 'jest';
import pg from 'pg';
import type * as MigratorModule from '../../src/platform/db/migrator.js';
import type * as DatabaseModule from './database.js';

/**
 * Jest globalSetup: makes sure `tenantry_test_template` holds the current migrations.
 * Several engineers' Jest runs share one server, so a rebuild happens under a lock, is built under a
 * staging name and swapped in; the template is left alone when its fingerprint (migrations + runner)
 * is unchanged. TEST_DB_REFRESH=1 forces a rebuild; TEST_DB_VERBOSE=1 prints the time taken.
 */

/** Any fixed number unlike the migration lock; taken in the maintenance database. */
const SETUP_LOCK_KEY = 72707370;

interface Context {
  root: string;
  migrator: typeof MigratorModule;
  db: typeof DatabaseModule;
}

export async function prepareTestTemplate(_globalConfig: unknown, projectConfig?: ProjectConfig): Promise<void> {
  const started = Date.now();
  const ctx = await loadContext(projectConfig?.rootDir ?? process.cwd());
  const fingerprint = await templateFingerprint(ctx);
  const rebuilt = await ctx.db.withAdminClient(async (admin) => {
    await admin.query('SELECT pg_advisory_lock($1)', [SETUP_LOCK_KEY]);
    try {
      if (process.env.TEST_DB_REFRESH !== '1' && (await templateIsCurrent(ctx, admin, fingerprint))) return false;
      await rebuildTemplate(ctx, admin, fingerprint);
      return true;
    } finally {
      await admin.query('SELECT pg_advisory_unlock($1)', [SETUP_LOCK_KEY]);
    }
  });
  if (process.env.TEST_DB_VERBOSE === '1') {
    console.log(`\ntest template ${rebuilt ? 'rebuilt' : 'up to date'} in ${Date.now() - started} ms`);
  }
}

// Jest requires the globalSetup module's default export.
export default prepareTestTemplate;

/**
 * Jest loads globalSetup through Node's CommonJS require without moduleNameMapper, so the `.js`
 * specifiers our sources use do not resolve here: load the TypeScript files by path (Jest's
 * transform hook compiles them), keeping their types through the type-only imports above.
 */
async function loadContext(root: string): Promise<Context> {
  const load = (file: string): Promise<unknown> => import(path.join(root, file));
  return {
    root,
    migrator: (await load('src/platform/db/migrator.ts')) as typeof MigratorModule,
    db: (await load('test/support/database.ts')) as typeof DatabaseModule,
  };
}

async function templateFingerprint({ root, migrator, db }: Context): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await migrator.readMigrations(path.join(root, 'prisma/migrations'))) {
    hash.update(`${file.name}\0${file.checksum}\0`);
  }
  hash.update(await readFile(path.join(root, 'src/platform/db/migrator.ts')));
  hash.update(JSON.stringify(db.TEST_ROLES));
  return `tenantry-test-template ${hash.digest('hex')}`;
}

/** Same fingerprint, and the shared login roles still look the way the migrator left them. */
async function templateIsCurrent({ migrator, db }: Context, admin: pg.Client, fingerprint: string): Promise<boolean> {
  const { rows } = await admin.query<{ ok: boolean }>(
    `SELECT
       (SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1) = $2
       AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $3 AND rolcanlogin AND NOT rolsuper AND NOT rolbypassrls
                     AND pg_has_role(oid, $5, 'MEMBER'))
       AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $4 AND rolcanlogin AND NOT rolsuper AND rolbypassrls
                     AND pg_has_role(oid, $6, 'MEMBER')) AS ok`,
    [
      db.TEMPLATE_DATABASE,
      fingerprint,
      db.TEST_ROLES.app.user,
      db.TEST_ROLES.platform.user,
      migrator.TENANT_ACCESS_GROUP,
      migrator.PLATFORM_ACCESS_GROUP,
    ],
  );
  return rows[0]?.ok === true;
}

async function rebuildTemplate({ root, migrator, db }: Context, admin: pg.Client, fingerprint: string): Promise<void> {
  // Leftovers of a crashed setup; safe to drop because every build holds SETUP_LOCK_KEY.
  const leftovers = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [
    `${db.TEMPLATE_DATABASE.replace(/_/g, '\\_')}\\_%`,
  ]);
  for (const { datname } of leftovers.rows) {
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)} WITH (FORCE)`);
  }

  const staging = db.uniqueDatabaseName(db.TEMPLATE_DATABASE);
  await migrator.migrate({ ...db.testDatabaseUrls(staging), migrationsDir: path.join(root, 'prisma/migrations') });
  await admin.query(`COMMENT ON DATABASE ${pg.escapeIdentifier(staging)} IS ${pg.escapeLiteral(fingerprint)}`);

  await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(db.TEMPLATE_DATABASE)} WITH (FORCE)`);
  // The migrator has disconnected, but its backend may still be exiting; nobody else uses the staging name.
  for (let attempt = 1; ; attempt++) {
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [staging]);
    try {
      await admin.query(`ALTER DATABASE ${pg.escapeIdentifier(staging)} RENAME TO ${pg.escapeIdentifier(db.TEMPLATE_DATABASE)}`);
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== '55006' || attempt >= 50) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
