/**
 * npm run bench:chat — the chat round trip over HTTP, and the share of its time spent in PostgreSQL.
 *
 * One run, one process: the real application (createApp, as main.ts builds it, plus the widget
 * module) listening on 127.0.0.1, on a scratch database migrated like production, and Redis; a
 * built-in model (mock-2: no network). Two variants, alternating in rounds, each request a full
 * reply (user message stored, usage reserved and settled, reply stored):
 *   - widget:  POST /chat {tenant_id, session_id, message}        (public; slug lookup, Redis limit)
 *   - api:     POST /api/v1/conversations/:id/messages {content}  (access token; principal from the DB)
 *
 * 1. Throughput: BENCH_CONCURRENCY clients (default 8); requests per second, mean latency, and the
 *    process's CPU time per request (server and load generator share the process and its cores).
 * 2. Where the time goes: ONE client, so that no request waits behind another in the event loop or
 *    the pool. Every statement on the application's pools is timed from the driver call to its
 *    result (round trip + execution), as is every wait for a pooled connection; DB share = their
 *    sum / the server time (Fastify onRequest -> onResponse) of the same requests. Under load the
 *    same timers would also count the event loop's queue, so the share is measured here.
 *
 * Bounded: each round stops after BENCH_ROUND_MS or BENCH_ROUND_MAX requests, whichever first.
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JwtService } from '@nestjs/jwt';
import pg from 'pg';
import { importTenantsFile } from '../scripts/tenants-import.js';
import { createApp } from '../src/bootstrap.js';
import { WidgetModule } from '../src/modules/chat/widget/widget.module.js';
import { loadConfig } from '../src/platform/config/config.js';
import { PlatformDb } from '../src/platform/db/platform-db.js';
import { TenantDb } from '../src/platform/db/tenant-db.js';
import { prepareBenchDatabase } from './bench-database.js';
import { alternateRounds, timeServerRequests } from './measure.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const BREAKDOWN_ROUNDS = Number(process.env.BENCH_BREAKDOWN_ROUNDS ?? 4);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 2000);
const ROUND_MAX = Number(process.env.BENCH_ROUND_MAX ?? 20_000);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 1500);
const TENANTS = 4;
const TOP_STATEMENTS = Number(process.env.BENCH_TOP_STATEMENTS ?? 8);

/** Time accumulated for the variant being measured (undefined between measurements). */
interface Meter {
  requests: number;
  failures: number;
  serverMs: number;
  dbMs: number;
  poolWaitMs: number;
  statements: number;
  wallMs: number;
  /** CPU time of the whole process (user + system) during the rounds. */
  cpuMs: number;
  /** Per statement text (shortened): time and count, for the breakdown. */
  bySql: Map<string, { ms: number; count: number }>;
}
const newMeter = (): Meter => ({ requests: 0, failures: 0, serverMs: 0, dbMs: 0, poolWaitMs: 0, statements: 0, wallMs: 0, cpuMs: 0, bySql: new Map() });

/** A statement's text, shortened to tell statements apart in the breakdown. */
function sqlLabel(config: unknown): string {
  const text = typeof config === 'string' ? config : ((config as { text?: unknown } | null)?.text ?? '');
  const oneLine = String(text).replace(/\s+/g, ' ').replace(/"public"\./g, '').trim();
  return oneLine.length > 90 ? `${oneLine.slice(0, 89)}…` : oneLine;
}
let active: Meter | undefined;

type QueryFn = (...args: unknown[]) => unknown;

/** Times every statement of the pool's connections, and the waits for a connection. Bench only. */
function instrument(pool: pg.Pool): void {
  pool.on('connect', (client) => {
    const original = client.query.bind(client) as QueryFn;
    (client as unknown as { query: QueryFn }).query = (...args: unknown[]) => {
      const meter = active;
      const started = performance.now();
      const done = () => {
        if (!meter) return;
        const ms = performance.now() - started;
        meter.dbMs += ms;
        meter.statements++;
        const label = sqlLabel(args[0]);
        const entry = meter.bySql.get(label) ?? { ms: 0, count: 0 };
        entry.ms += ms;
        entry.count++;
        meter.bySql.set(label, entry);
      };
      // A submittable query (TenantBoundQuery) reports through its callback; the rest return promises.
      const submittable = args[0] as { submit?: unknown; callback?: (err: unknown, res: unknown) => void } | undefined;
      if (submittable && typeof submittable.submit === 'function' && typeof submittable.callback === 'function') {
        const callback = submittable.callback;
        submittable.callback = (err, res) => {
          done();
          callback(err, res);
        };
        return original(...args);
      }
      const result = original(...args) as Promise<unknown> | undefined;
      if (result && typeof result.then === 'function') result.then(done, done);
      return result;
    };
  });
  const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
  (pool as unknown as { connect: QueryFn }).connect = (...args: unknown[]) => {
    if (args.length > 0) return (connect as unknown as QueryFn)(...args); // callback style: not used by Prisma
    const meter = active;
    const started = performance.now();
    return connect().then((client) => {
      if (meter) meter.poolWaitMs += performance.now() - started;
      return client;
    });
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function postJson(port: number, url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: url, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

interface BenchVariant {
  name: string;
  op: (worker: number) => Promise<boolean>;
}

/** Warm-up, then `rounds` rounds per variant, alternating which goes first (bench/measure.ts). */
function measure(variants: BenchVariant[], concurrency: number, rounds: number, roundMs: number): Promise<Map<string, Meter>> {
  const counted = variants.map((v) => ({
    name: v.name,
    op: async (meter: Meter, worker: number) => {
      if (!(await v.op(worker))) meter.failures++;
    },
  }));
  return alternateRounds(counted, { concurrency, rounds, ms: roundMs, maxOps: ROUND_MAX, warmupMs: WARMUP_MS }, newMeter, (meter) => (active = meter));
}

async function main(): Promise<void> {
  const database = await prepareBenchDatabase('chat');
  const scratch = mkdtempSync(path.join(tmpdir(), 'bench-chat-'));
  const config = loadConfig({
    ...process.env,
    ...database.env,
    QUEUE_PREFIX: `bench-chat-${process.pid}`,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'development',
  });
  const app = await createApp(config, { imports: [WidgetModule] });
  const owner = new pg.Pool({ connectionString: database.env.DATABASE_URL, max: 2 });
  owner.on('error', () => undefined);
  try {
    // Tenants through the import (the widget enabled, mock-2), with a chat limit the bench never reaches.
    const tenantsFile = path.join(scratch, 'tenants.jsonl');
    writeFileSync(
      tenantsFile,
      Array.from({ length: TENANTS }, (_, i) =>
        JSON.stringify({ id: `bench-${i}`, name: `Bench ${i}`, welcome: 'Hi.', model: 'mock-2', limits: { chat_per_10s: 100_000 } }),
      ).join('\n'),
    );
    const tenants = await importTenantsFile(tenantsFile, config);

    const fastify = app.getHttpAdapter().getInstance();
    timeServerRequests(fastify, (ms) => {
      if (!active) return;
      active.serverMs += ms;
      active.requests++;
    });
    // Before listen (which initialises the app): every connection the pools ever open is timed.
    instrument(app.get(TenantDb).pool);
    instrument(app.get(PlatformDb, { strict: false }).pool); // the platform pool, where the app uses it (auth, admin)
    await app.listen(0, '127.0.0.1');
    const port = (fastify.server.address() as { port: number }).port;

    // Per worker: a widget session, and a member with an API conversation, spread over the tenants.
    const jwt = new JwtService({ secret: config.env.JWT_SECRET });
    const sessions: Array<{ tenant: string; session: string }> = [];
    const apiConversations: Array<{ auth: Record<string, string>; id: string }> = [];
    for (let w = 0; w < CONCURRENCY; w++) {
      const tenant = tenants[w % TENANTS]!;
      const s = await postJson(port, '/session', { tenant_id: tenant.slug });
      if (s.status !== 200) throw new Error(`POST /session answered ${s.status}: ${JSON.stringify(s.json)}`);
      sessions.push({ tenant: tenant.slug, session: (s.json as { session_id: string }).session_id });

      const userId = randomUUID();
      await owner.query('insert into users (id, email, name) values ($1, $2, $3)', [userId, `bench-${userId}@example.test`, 'Bench user']);
      await owner.query(`insert into memberships (tenant_id, user_id, role) values ($1, $2, 'member')`, [tenant.id, userId]);
      // Access tokens name a live session (sid): one, as sign-in would leave it.
      const sessionId = randomUUID();
      await owner.query(
        `insert into refresh_tokens (user_id, family_id, active_tenant_id, token_hash, expires_at) values ($1, $2, $3, $4, now() + interval '1 day')`,
        [userId, sessionId, tenant.id, randomBytes(32)],
      );
      const token = await jwt.signAsync(
        { sub: userId, tid: tenant.id, sid: sessionId, typ: 'access' },
        { algorithm: 'HS256', issuer: config.env.JWT_ISSUER, audience: config.env.JWT_AUDIENCE, expiresIn: 3600 },
      );
      const auth = { authorization: `Bearer ${token}` };
      const c = await postJson(port, '/api/v1/conversations', {}, auth);
      if (c.status !== 201) throw new Error(`POST /api/v1/conversations answered ${c.status}: ${JSON.stringify(c.json)}`);
      apiConversations.push({ auth, id: (c.json as { id: string }).id });
    }

    const expected = 'Hi. [GLOBEX MOCK] Echo: HELLO';
    const variants: BenchVariant[] = [
      {
        name: 'widget  POST /chat',
        op: async (w: number) => {
          const { tenant, session } = sessions[w]!;
          const r = await postJson(port, '/chat', { tenant_id: tenant, session_id: session, message: 'hello' });
          return r.status === 200 && (r.json as { reply?: string }).reply === expected;
        },
      },
      {
        name: 'api     POST /api/v1/conversations/:id/messages',
        op: async (w: number) => {
          const { auth, id } = apiConversations[w]!;
          const r = await postJson(port, `/api/v1/conversations/${id}/messages`, { content: 'hello' }, auth);
          return r.status === 200 && (r.json as { reply?: string }).reply === expected;
        },
      },
    ];

    const throughput = await measure(variants, CONCURRENCY, ROUNDS, ROUND_MS);
    const breakdown = await measure(variants, 1, BREAKDOWN_ROUNDS, ROUND_MS);

    const col = (text: string, width: number) => text.padStart(width);
    console.log(
      `bench:chat  built-in model mock-2; DB_POOL_MAX ${config.env.DB_POOL_MAX}; rounds of ${ROUND_MS} ms (at most ${ROUND_MAX} requests), variants alternating`,
    );
    console.log(`\n1. Throughput: ${CONCURRENCY} concurrent clients, ${ROUNDS} rounds per variant`);
    console.log(`${'variant'.padEnd(48)} ${col('req/s', 7)} ${col('mean ms', 8)} ${col('CPU ms/req', 11)} ${col('failed', 7)}`);
    for (const v of variants) {
      const m = throughput.get(v.name)!;
      console.log(
        `${v.name.padEnd(48)} ${col((m.requests / (m.wallMs / 1000)).toFixed(0), 7)} ${col((m.serverMs / m.requests).toFixed(1), 8)} ${col((m.cpuMs / m.requests).toFixed(2), 11)} ${col(String(m.failures), 7)}`,
      );
    }
    console.log(`\n2. Where the time goes: 1 client, ${BREAKDOWN_ROUNDS} rounds per variant`);
    console.log(
      `${'variant'.padEnd(48)} ${col('req/s', 7)} ${col('server ms', 10)} ${col('SQL/req', 8)} ${col('DB ms', 7)} ${col('DB share', 9)} ${col('pool wait', 10)}`,
    );
    for (const v of variants) {
      const m = breakdown.get(v.name)!;
      console.log(
        `${v.name.padEnd(48)} ${col((m.requests / (m.wallMs / 1000)).toFixed(0), 7)} ${col((m.serverMs / m.requests).toFixed(2), 10)} ${col((m.statements / m.requests).toFixed(1), 8)} ${col((m.dbMs / m.requests).toFixed(2), 7)} ${col(`${((100 * m.dbMs) / m.serverMs).toFixed(1)}%`, 9)} ${col(`${((100 * m.poolWaitMs) / m.serverMs).toFixed(1)}%`, 10)}`,
      );
    }
    console.log('DB share: SQL statements (driver call to result) / server time of the same requests; pool wait: waiting for a pooled connection.');
    for (const v of variants) {
      const m = breakdown.get(v.name)!;
      console.log(`\n${v.name.replace(/\s+/g, ' ')}: the ${TOP_STATEMENTS} statements taking most of its server time`);
      const top = [...m.bySql.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, TOP_STATEMENTS);
      for (const [label, { ms, count }] of top) {
        console.log(`  ${col(`${((100 * ms) / m.serverMs).toFixed(1)}%`, 6)} ${col((count / m.requests).toFixed(1), 4)}/req ${col((ms / count).toFixed(2), 6)} ms  ${label}`);
      }
    }
    const meters = [...throughput.values(), ...breakdown.values()];
    const failed = meters.reduce((n, m) => n + m.failures, 0);
    if (failed > 0) process.exitCode = 1;
  } finally {
    agent.destroy();
    await app.close();
    await owner.end();
    await database.drop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
