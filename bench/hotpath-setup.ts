import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JwtService } from '@nestjs/jwt';
import pg from 'pg';
import { importTenantsFile } from '../scripts/tenants-import.js';
import { loadConfig } from '../src/platform/config/config.js';
import { prepareBenchDatabase } from './bench-database.js';
import { PgCountingProxy } from './pg-counting-proxy.js';

export interface BenchTenant {
  slug: string;
  id: string;
  /** A member's access token (with a live session), as the Authorization header. */
  auth: Record<string, string>;
}

/**
 * A scratch database, migrated; tenants imported like the seed demo's (widget on, mock-2), with
 * limits the benchmark never reaches unless asked (`limits`); per tenant a member with a live
 * session and its access token; a counting proxy (bench/pg-counting-proxy.ts) on `proxyPort`
 * between the servers and PostgreSQL. `serverEnv` is the environment of a server that talks
 * through the proxy.
 */
export async function prepareHotpath(name: string, proxyPort: number, tenants: Array<{ slug: string; chatPer10s: number; apiPerMinute?: number }>) {
  const database = await prepareBenchDatabase(name);
  const scratch = mkdtempSync(path.join(tmpdir(), `bench-${name}-`));
  const config = loadConfig({ ...process.env, ...database.env, LOG_LEVEL: 'silent', MAIL_TRANSPORT: 'log' });
  const tenantsFile = path.join(scratch, 'tenants.jsonl');
  writeFileSync(
    tenantsFile,
    tenants.map((t) => JSON.stringify({ id: t.slug, name: t.slug, welcome: 'Hi.', model: 'mock-2', limits: { chat_per_10s: Math.max(1, t.chatPer10s) } })).join('\n'),
  );
  const imported = await importTenantsFile(tenantsFile, config);
  rmSync(scratch, { recursive: true, force: true });

  const owner = new pg.Client({ connectionString: database.env.DATABASE_URL });
  await owner.connect();
  const jwt = new JwtService({ secret: config.env.JWT_SECRET });
  const result: BenchTenant[] = [];
  for (const t of tenants) {
    const { id } = imported.find((i) => i.slug === t.slug)!;
    const overrides = { chat_per_10s: t.chatPer10s, api_per_minute: t.apiPerMinute ?? 10_000_000, messages_per_month: 1_000_000_000, tokens_per_month: 1_000_000_000_000 };
    await owner.query('update tenants set limit_overrides = limit_overrides || $2::jsonb where id = $1', [id, JSON.stringify(overrides)]);
    const userId = randomUUID();
    const sessionId = randomUUID();
    await owner.query('insert into users (id, email, name) values ($1, $2, $3)', [userId, `bench-${userId}@example.test`, 'Bench user']);
    await owner.query(`insert into memberships (tenant_id, user_id, role) values ($1, $2, 'member')`, [id, userId]);
    await owner.query(
      `insert into refresh_tokens (user_id, family_id, active_tenant_id, token_hash, expires_at) values ($1, $2, $3, $4, now() + interval '1 day')`,
      [userId, sessionId, id, randomBytes(32)],
    );
    const token = await jwt.signAsync(
      { sub: userId, tid: id, sid: sessionId, typ: 'access' },
      { algorithm: 'HS256', issuer: config.env.JWT_ISSUER, audience: config.env.JWT_AUDIENCE, expiresIn: 3600 },
    );
    result.push({ slug: t.slug, id, auth: { authorization: `Bearer ${token}` } });
  }
  await owner.end();

  const proxy = new PgCountingProxy({ host: new URL(database.env.DATABASE_URL as string).hostname, port: Number(new URL(database.env.DATABASE_URL as string).port || 5432) });
  await proxy.listen(proxyPort);
  const viaProxy = (url: string) => {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(proxyPort);
    return u.toString();
  };
  const serverEnv: Record<string, string> = {
    ...database.env,
    DATABASE_URL: viaProxy(database.env.DATABASE_URL as string),
    APP_DATABASE_URL: viaProxy(database.env.APP_DATABASE_URL as string),
    PLATFORM_DATABASE_URL: viaProxy(database.env.PLATFORM_DATABASE_URL as string),
    NODE_ENV: 'production',
    // Production refuses the log transport (bodies carry single-use links); no mail is sent here.
    MAIL_TRANSPORT: 'file',
    MAIL_FILE_DIR: path.join(tmpdir(), `tenantry-bench-mail-${process.pid}`),
    QUEUE_PREFIX: `bench-${name}-${process.pid}`,
    WIDGET_RATE_PER_IP: '1000000',
    RATE_LIMIT_TIMEOUT_MS: '2000',
  };
  return {
    tenants: result,
    proxy,
    serverEnv,
    async drop() {
      await proxy.close();
      await database.drop();
    },
  };
}
