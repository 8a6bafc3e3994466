import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * Real PostgreSQL for tests: each test file copies a fresh database from the template that
 * test/support/global-setup.ts migrates once per Jest run (a copy takes milliseconds, migrating takes far longer).
 */

/** The server tests use; TEST_PG_HOST / TEST_PG_PORT / TEST_PG_ADMIN_USER point elsewhere. */
export const TEST_PG = {
  host: process.env.TEST_PG_HOST || '127.0.0.1',
  port: Number(process.env.TEST_PG_PORT || 5432),
  adminUser: process.env.TEST_PG_ADMIN_USER || 'postgres',
} as const;

/** TEST_TEMPLATE_DATABASE lets two checkouts run their suites side by side on one server. */
export const TEMPLATE_DATABASE = process.env.TEST_TEMPLATE_DATABASE || 'tenantry_test_template';

/** Login roles are cluster-wide, shared by every test database on the server. */
export const TEST_ROLES = {
  app: { user: 'tenantry_app_test', password: 'app_test_pw' },
  platform: { user: 'tenantry_platform_test', password: 'platform_test_pw' },
} as const;

/** 48 characters: passes the config's minimum length. */
export const TEST_JWT_SECRET = 'tenantry-test-jwt-secret-never-use-in-production';

/** 32 bytes, base64: the AES-256-GCM key of stored tenant secrets (assistant API keys). */
export const TEST_CHAT_ENCRYPTION_KEY = Buffer.from('tenantry-test-chat-key-32-bytes!').toString('base64');

export interface TestDatabaseUrls {
  ownerUrl: string;
  appUrl: string;
  platformUrl: string;
}

export interface TestDatabase extends TestDatabaseUrls {
  name: string;
  drop(): Promise<void>;
}

export function pgUrl(database: string, user: string = TEST_PG.adminUser, password?: string): string {
  const auth = password === undefined ? encodeURIComponent(user) : `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
  return `postgresql://${auth}@${TEST_PG.host}:${TEST_PG.port}/${encodeURIComponent(database)}`;
}

/** Owner (the admin user), app and platform URLs for one database. */
export function testDatabaseUrls(database: string): TestDatabaseUrls {
  return {
    ownerUrl: pgUrl(database),
    appUrl: pgUrl(database, TEST_ROLES.app.user, TEST_ROLES.app.password),
    platformUrl: pgUrl(database, TEST_ROLES.platform.user, TEST_ROLES.platform.password),
  };
}

export function uniqueDatabaseName(prefix = 'tenantry_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Runs fn with an admin connection (default: the maintenance database) and always closes it. */
export async function withAdminClient<T>(fn: (client: pg.Client) => Promise<T>, database = 'postgres'): Promise<T> {
  const client = new pg.Client({ connectionString: pgUrl(database), application_name: 'tenantry-test-admin' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Terminates the database's connections, then drops it (WITH FORCE does both). */
export async function dropDatabase(name: string): Promise<void> {
  await withAdminClient((admin) => admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`));
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = uniqueDatabaseName();
  await withAdminClient(async (admin) => {
    // Another Jest run may be swapping in a new template at this moment: wait for it.
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE ${pg.escapeIdentifier(TEMPLATE_DATABASE)}`);
        break;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (!(code === '55006' || code === '3D000') || attempt >= 50) {
          throw new Error(`Cannot create test database from ${TEMPLATE_DATABASE} (built by Jest's globalSetup): ${(err as Error).message}`, {
            cause: err,
          });
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    // Database ACLs are not copied from the template.
    for (const role of [TEST_ROLES.app.user, TEST_ROLES.platform.user]) {
      await admin.query(`GRANT CONNECT ON DATABASE ${pg.escapeIdentifier(name)} TO ${pg.escapeIdentifier(role)}`);
    }
  });
  return { name, ...testDatabaseUrls(name), drop: () => dropDatabase(name) };
}

/** Every variable loadConfig() needs, pointing at the given database. */
export function testEnv(db: TestDatabaseUrls, overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: db.ownerUrl,
    APP_DATABASE_URL: db.appUrl,
    PLATFORM_DATABASE_URL: db.platformUrl,
    REDIS_URL: process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379',
    JWT_SECRET: TEST_JWT_SECRET,
    CHAT_ENCRYPTION_KEY: TEST_CHAT_ENCRYPTION_KEY,
    LOG_LEVEL: 'silent',
    PORT: '0',
    // Each test database gets its own job queues in the shared Redis.
    QUEUE_PREFIX: `test:${new URL(db.ownerUrl).pathname.slice(1)}`,
    // And its own object storage directory (export archives), outside the work tree.
    STORAGE_DIR: path.join(tmpdir(), 'tenantry-test-storage', new URL(db.ownerUrl).pathname.slice(1)),
    // Test files sign in far more often than people do, all from 127.0.0.1; rate-limit.spec.ts sets its own.
    SIGNIN_RATE_PER_IP: '100000',
    SIGNIN_RATE_PER_ACCOUNT: '100000',
    WIDGET_RATE_PER_IP: '100000',
    // API calls are written when a test flushes ApiCallMeter (or the app closes), never in the
    // middle of a test that counts rows.
    API_CALL_FLUSH_MS: '3600000',
    // Counts are exact only while Redis answers in time: generous on a loaded test machine (the
    // fail-open tests use an unreachable Redis, which fails at once).
    RATE_LIMIT_TIMEOUT_MS: '2000',
    // No metrics server in tests unless one asks for it (test/observability uses ports of its own).
    METRICS_PORT: '0',
    ...overrides,
  };
}
