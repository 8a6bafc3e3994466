import path from 'node:path';
import pg from 'pg';
import { migrate } from '../src/platform/db/migrator.js';

/**
 * A scratch database for one benchmark run, migrated like production, dropped at the end.
 * BENCH_PG_URL points at the server (default: the local superuser, as on a fresh machine).
 */
export async function prepareBenchDatabase(name: string): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  const server = new URL(process.env.BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  const database = `tenantry_bench_${name}_${process.pid}`;
  const url = (user: string, password?: string): string => {
    const u = new URL(server);
    u.pathname = `/${database}`;
    u.username = user;
    u.password = password ?? '';
    return u.toString();
  };
  const env = {
    DATABASE_URL: url(decodeURIComponent(server.username) || 'postgres', decodeURIComponent(server.password) || undefined),
    APP_DATABASE_URL: url('tenantry_app_bench', 'bench_app_pw'),
    PLATFORM_DATABASE_URL: url('tenantry_platform_bench', 'bench_platform_pw'),
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    JWT_SECRET: 'benchmark-only-secret-0123456789abcdef0123456789',
    CHAT_ENCRYPTION_KEY: Buffer.from('benchmark-only-chat-key-32-bytes').toString('base64'),
  };
  await migrate({
    ownerUrl: env.DATABASE_URL,
    appUrl: env.APP_DATABASE_URL,
    platformUrl: env.PLATFORM_DATABASE_URL,
    migrationsDir: path.resolve(process.cwd(), 'prisma/migrations'),
  });
  const drop = async (): Promise<void> => {
    const admin = new pg.Client({ connectionString: server.toString() });
    await admin.connect();
    await admin.query(`drop database if exists "${database}" with (force)`);
    await admin.end();
  };
  return { env, drop };
}
