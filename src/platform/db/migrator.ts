import { createHash, createHmac, pbkdf2Sync, randomBytes, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';

/**
 * Applies prisma/migrations/<name>/migration.sql over plain `pg`, because Prisma's schema engine
 * cannot run on every machine we deploy from. It keeps Prisma's own ledger (`_prisma_migrations`,
 * same columns and checksums) and Prisma's advisory lock key, so `prisma migrate deploy` elsewhere
 * sees the same state and never runs concurrently with us.
 *
 * Each migration runs in one transaction together with its ledger row: a migration must therefore
 * not contain BEGIN/COMMIT or statements that refuse a transaction (CREATE INDEX CONCURRENTLY).
 */

export interface MigrateOptions {
  /** Owner connection; its database is created when missing. */
  ownerUrl: string;
  /** Tenant-facing login role (user and password are read from the URL). */
  appUrl: string;
  /** Platform login role (BYPASSRLS). */
  platformUrl: string;
  migrationsDir: string;
  log?: (message: string) => void;
}

export interface MigrationSummary {
  database: string;
  createdDatabase: boolean;
  applied: string[];
  skipped: number;
}

export class MigrationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/** The one row a catalog query always returns (an aggregate or a lookup of the current role). */
function only<T>(rows: readonly T[]): T {
  const row = rows[0];
  if (row === undefined) throw new MigrationError('a catalog query returned no row');
  return row;
}

/** Prisma Migrate's own key: our runs and `prisma migrate deploy` serialise on one lock. */
export const MIGRATION_LOCK_KEY = 72707369;
export const TENANT_ACCESS_GROUP = 'tenantry_tenant_access';
export const PLATFORM_ACCESS_GROUP = 'tenantry_platform_access';

const LEDGER = 'public._prisma_migrations';
const LEDGER_DDL = `CREATE TABLE IF NOT EXISTS ${LEDGER} (
  id                  varchar(36)  PRIMARY KEY NOT NULL,
  checksum            varchar(64)  NOT NULL,
  finished_at         timestamptz,
  migration_name      varchar(255) NOT NULL,
  logs                text,
  rolled_back_at      timestamptz,
  started_at          timestamptz  NOT NULL DEFAULT now(),
  applied_steps_count integer      NOT NULL DEFAULT 0
)`;

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

interface LedgerRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

interface LoginRole {
  label: 'app' | 'platform';
  name: string;
  password: string | undefined;
  bypassRls: boolean;
  group: string;
}

export async function migrate(options: MigrateOptions): Promise<MigrationSummary> {
  const log = options.log ?? (() => undefined);
  const database = databaseName(options.ownerUrl);
  const app = loginRole(options.appUrl, 'app');
  const platform = loginRole(options.platformUrl, 'platform');
  // Read the files first: a bad checkout fails before anything touches the server.
  const files = await readMigrations(options.migrationsDir);

  const { client, created } = await openDatabase(options.ownerUrl, database, log);
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [MIGRATION_LOCK_KEY]);
    if (!only(rows).locked) {
      log('another migration run holds the lock; waiting');
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    }
    try {
      const owner = await ownerPrivileges(client);
      assertDistinctRoles(owner.name, app, platform);

      await client.query(LEDGER_DDL);
      const ledger = await client.query<LedgerRow>(
        `SELECT migration_name, checksum, finished_at, rolled_back_at FROM ${LEDGER} ORDER BY started_at`,
      );
      const pending = pendingMigrations(files, ledger.rows);

      // Login roles before the migrations, group memberships after (the first migration creates the groups).
      for (const role of [app, platform]) {
        await guard(role, 'create or alter', () => ensureLoginRole(client, role, owner, log));
      }
      for (const file of pending) {
        await applyMigration(client, file);
        log(`applied ${file.name}`);
      }
      for (const role of [app, platform]) {
        await guard(role, 'grant access to', () => grantAccess(client, role, database));
      }
      await assertAppRoleIsPowerless(client, app);

      return { database, createdDatabase: created, applied: pending.map((f) => f.name), skipped: files.length - pending.length };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await client.end();
  }
}

/** Migration folders sorted by name, with Prisma's checksum (sha256 hex of the file's bytes). */
export async function readMigrations(dir: string): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: unknown) => {
    throw new MigrationError(`Cannot read migrations directory ${dir}: ${messageOf(err)}`, { cause: err });
  });
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  return Promise.all(
    names.map(async (name) => {
      const bytes = await readFile(path.join(dir, name, 'migration.sql')).catch((err: unknown) => {
        throw new MigrationError(`Migration "${name}" has no readable migration.sql: ${messageOf(err)}`, { cause: err });
      });
      return { name, sql: bytes.toString('utf8'), checksum: sha256(bytes) };
    }),
  );
}

function pendingMigrations(files: MigrationFile[], ledger: LedgerRow[]): MigrationFile[] {
  const unfinished = ledger.find((row) => row.finished_at === null && row.rolled_back_at === null);
  if (unfinished) {
    throw new MigrationError(
      `Migration "${unfinished.migration_name}" is recorded as started but never finished in _prisma_migrations ` +
        `(a failed or interrupted run). Inspect the database, then mark it rolled back ` +
        `(prisma migrate resolve --rolled-back ${unfinished.migration_name}) or delete its row, and re-run.`,
    );
  }
  const onDisk = new Map(files.map((f) => [f.name, f]));
  const applied = new Set<string>();
  // Rows with rolled_back_at are history only; Prisma applies such a migration again.
  for (const row of ledger.filter((r) => r.rolled_back_at === null)) {
    const file = onDisk.get(row.migration_name);
    if (!file) {
      throw new MigrationError(
        `Migration "${row.migration_name}" is applied in the database but its folder is missing from the migrations directory.`,
      );
    }
    // Prisma also accepts the checksum of the LF-normalised file, so a Windows checkout is not "edited".
    if (row.checksum !== file.checksum && row.checksum !== sha256(file.sql.replace(/\r\n/g, '\n'))) {
      throw new MigrationError(
        `Migration "${row.migration_name}" was modified after it was applied (checksum ${file.checksum} on disk, ` +
          `${row.checksum} in _prisma_migrations). Restore the original file and add a new migration instead.`,
      );
    }
    applied.add(row.migration_name);
  }
  return files.filter((f) => !applied.has(f.name));
}

async function applyMigration(client: pg.Client, file: MigrationFile): Promise<void> {
  const id = randomUUID();
  await client.query('BEGIN');
  try {
    await client.query(
      `INSERT INTO ${LEDGER} (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, clock_timestamp())`,
      [id, file.checksum, file.name],
    );
    await client.query(file.sql);
    await client.query(`UPDATE ${LEDGER} SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1`, [id]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    const position = Number((err as { position?: string }).position);
    const where = position > 0 ? ` at line ${file.sql.slice(0, position - 1).split('\n').length}` : '';
    throw new MigrationError(`Migration "${file.name}" failed${where} and was rolled back: ${messageOf(err)}`, { cause: err });
  }
}

async function openDatabase(
  ownerUrl: string,
  database: string,
  log: (message: string) => void,
): Promise<{ client: pg.Client; created: boolean }> {
  try {
    return { client: await connect(ownerUrl), created: false };
  } catch (err) {
    if (sqlState(err) !== '3D000') throw err;
  }
  const admin = await connect(withDatabase(ownerUrl, 'postgres')).catch(() => connect(withDatabase(ownerUrl, 'template1')));
  let created = false;
  try {
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
    created = true;
    log(`created database ${database}`);
  } catch (err) {
    // A concurrent run created it first: fine.
    if (!['42P04', '23505'].includes(sqlState(err) ?? '')) {
      throw new MigrationError(`Cannot create database "${database}": ${messageOf(err)}`, { cause: err });
    }
  } finally {
    await admin.end();
  }
  return { client: await connect(ownerUrl), created };
}

async function ownerPrivileges(client: pg.Client): Promise<{ name: string; canManageRoles: boolean }> {
  const { rows } = await client.query<{ name: string; can_manage: boolean }>(
    'SELECT rolname AS name, rolsuper OR rolcreaterole AS can_manage FROM pg_roles WHERE rolname = current_user',
  );
  return { name: only(rows).name, canManageRoles: only(rows).can_manage };
}

type Flag = 'rolcanlogin' | 'rolsuper' | 'rolbypassrls' | 'rolcreatedb' | 'rolcreaterole';
const FLAG_KEYWORDS: Record<Flag, string> = {
  rolcanlogin: 'LOGIN',
  rolsuper: 'SUPERUSER',
  rolbypassrls: 'BYPASSRLS',
  rolcreatedb: 'CREATEDB',
  rolcreaterole: 'CREATEROLE',
};

async function ensureLoginRole(
  client: pg.Client,
  role: LoginRole,
  owner: { name: string; canManageRoles: boolean },
  log: (message: string) => void,
): Promise<void> {
  const want: Record<Flag, boolean> = {
    rolcanlogin: true,
    rolsuper: false,
    rolbypassrls: role.bypassRls,
    rolcreatedb: false,
    rolcreaterole: false,
  };
  const { rows } = await client.query<Record<Flag, boolean>>(
    'SELECT rolcanlogin, rolsuper, rolbypassrls, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = $1',
    [role.name],
  );
  const current = rows[0]; // undefined: the role does not exist yet
  // Only the attributes that differ: a CREATEROLE owner may not even say NOBYPASSRLS on PostgreSQL 15.
  const fixes = current
    ? (Object.keys(want) as Flag[]).filter((f) => current[f] !== want[f]).map((f) => (want[f] ? '' : 'NO') + FLAG_KEYWORDS[f])
    : [];

  if (!owner.canManageRoles) {
    if (current && fixes.length === 0) {
      log(`role ${role.name} is correct; ${owner.name} cannot manage roles, so its password was left unchanged`);
      return;
    }
    const needed = current ? `needs ALTER ROLE ... ${fixes.join(' ')}` : 'does not exist';
    throw new MigrationError(
      `Login role "${role.name}" (${role.label}) ${needed}, and "${owner.name}" cannot create roles ` +
        `(needs SUPERUSER or CREATEROLE). Fix it as a superuser, e.g. CREATE ROLE ${pg.escapeIdentifier(role.name)} ` +
        `LOGIN${role.bypassRls ? ' BYPASSRLS' : ''} PASSWORD '...'; then re-run.`,
    );
  }
  const password = role.password === undefined ? [] : [`PASSWORD ${pg.escapeLiteral(passwordForServer(role.password))}`];
  const ident = pg.escapeIdentifier(role.name);
  if (!current) {
    await client.query(['CREATE ROLE', ident, 'WITH LOGIN', ...(role.bypassRls ? ['BYPASSRLS'] : []), ...password].join(' '));
    log(`created login role ${role.name}`);
  } else if (fixes.length > 0 || password.length > 0) {
    await client.query(['ALTER ROLE', ident, 'WITH', ...fixes, ...password].join(' '));
    if (fixes.length > 0) log(`altered login role ${role.name}: ${fixes.join(' ')}`);
  }
}

async function grantAccess(client: pg.Client, role: LoginRole, database: string): Promise<void> {
  const { rows } = await client.query<{ group_exists: boolean; member: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS group_exists,
            EXISTS (SELECT 1 FROM pg_auth_members m
                      JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
                     WHERE g.rolname = $1 AND u.rolname = $2) AS member`,
    [role.group, role.name],
  );
  if (!only(rows).group_exists) {
    throw new MigrationError(`group role "${role.group}" does not exist after the migrations (the first migration creates it)`);
  }
  // Skip an existing membership: an owner without CREATEROLE could not re-grant it.
  if (!only(rows).member) {
    await client.query(`GRANT ${pg.escapeIdentifier(role.group)} TO ${pg.escapeIdentifier(role.name)}`);
  }
  await client.query(`GRANT CONNECT ON DATABASE ${pg.escapeIdentifier(database)} TO ${pg.escapeIdentifier(role.name)}`);
}

/** RLS is only as strong as the app role: it must own nothing and be unable to SET ROLE to a bypass. */
async function assertAppRoleIsPowerless(client: pg.Client, app: LoginRole): Promise<void> {
  const { rows } = await client.query<{ owned: number; escalations: string[] | null }>(
    `SELECT
       (SELECT count(*)::int FROM pg_shdepend d
         WHERE d.refclassid = 'pg_authid'::regclass AND d.deptype = 'o' AND d.refobjid = r.oid
           AND d.dbid IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))) AS owned,
       (SELECT array_agg(p.rolname::text ORDER BY p.rolname) FROM pg_roles p
         WHERE p.oid <> r.oid AND (p.rolsuper OR p.rolbypassrls OR p.rolname = $2)
           AND pg_has_role(r.oid, p.oid, 'MEMBER')) AS escalations
     FROM pg_roles r WHERE r.rolname = $1`,
    [app.name, PLATFORM_ACCESS_GROUP],
  );
  const { owned, escalations } = only(rows);
  if (owned > 0) {
    throw new MigrationError(
      `App role "${app.name}" owns ${owned} object(s) in this database; the tenant-facing role must own nothing ` +
        `(an owner can disable RLS). Run REASSIGN OWNED BY ${pg.escapeIdentifier(app.name)} TO <owner> as the owner.`,
    );
  }
  if (escalations?.length) {
    throw new MigrationError(`App role "${app.name}" is a member of ${escalations.join(', ')}, which would let it bypass RLS.`);
  }
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for a password. Sending it instead of the clear
 * password keeps the secret out of server logs and pg_stat_statements.
 */
export function scramSha256Verifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const storedKey = createHash('sha256').update(createHmac('sha256', salted).update('Client Key').digest()).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** Printable ASCII is unchanged by SASLprep; anything else goes as is and the server normalises it. */
function passwordForServer(password: string): string {
  return /^[\x20-\x7e]+$/.test(password) ? scramSha256Verifier(password) : password;
}

/** Concurrent runs (other databases on the same server) can collide in the shared role catalog: retry those. */
async function guard(role: LoginRole, action: string, fn: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof MigrationError) throw err;
      const race = ['XX000', '23505', '42710', '40001', '40P01'].includes(sqlState(err) ?? '');
      if (!race || attempt >= 5) {
        throw new MigrationError(`Cannot ${action} ${role.label} role "${role.name}": ${messageOf(err)}`, { cause: err });
      }
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 30));
    }
  }
}

function assertDistinctRoles(owner: string, app: LoginRole, platform: LoginRole): void {
  if (app.name === owner || platform.name === owner || app.name === platform.name) {
    throw new MigrationError(
      'DATABASE_URL, APP_DATABASE_URL and PLATFORM_DATABASE_URL must use three different users ' +
        '(the owner bypasses RLS, and the app role must not be the platform role).',
    );
  }
}

function loginRole(url: string, label: 'app' | 'platform'): LoginRole {
  const parsed = parseUrl(url, `${label} database URL`);
  const name = decodeURIComponent(parsed.username);
  if (!name) throw new MigrationError(`The ${label} database URL must include a user name`);
  return {
    label,
    name,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    bypassRls: label === 'platform',
    group: label === 'platform' ? PLATFORM_ACCESS_GROUP : TENANT_ACCESS_GROUP,
  };
}

function databaseName(ownerUrl: string): string {
  const name = decodeURIComponent(parseUrl(ownerUrl, 'owner database URL').pathname.replace(/^\//, ''));
  if (!name) throw new MigrationError('The owner database URL must name a database');
  return name;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

function parseUrl(url: string, what: string): URL {
  try {
    return new URL(url);
  } catch {
    // Never echo the URL: it carries a password.
    throw new MigrationError(`The ${what} is not a valid URL`);
  }
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: 'tenantry-migrate' });
  // Without a listener a connection dropped by the server would crash the process; the query rejects anyway.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function sqlState(err: unknown): string | undefined {
  return (err as { code?: string } | null)?.code;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
