/**
 * npm run bench:ratelimit — what the API rate limiter costs an authenticated request, side by side.
 *
 * One run, one process: the real application (createApp, as main.ts builds it) plus a bench-only
 * module with two identical authenticated GET routes (same permission, same tiny handler, no
 * database work of their own). One is counted by the throttlers (ApiRateLimitInterceptor →
 * ApiThrottlerGuard → Redis, docs/adr/0009-rate-limits.md); the other carries
 * `@SkipThrottle({ tenant: true, 'api-key': true })`, so the guard skips every throttler that
 * applies to it and touches no Redis. Everything else (authentication and its principal read from
 * PostgreSQL, ApiCallMeter, Fastify, Nest) is the same on both. The tenant's api_per_minute
 * override is so high that nothing is refused.
 *
 * Before measuring, the bench checks that the difference is real: the limited route answers with
 * RateLimit-* headers and adds one hit to each throttler's Redis counter (tenant; API key too for
 * a key), the skipped route answers without them and adds none.
 *
 * Then, variants alternating in rounds (the machine is noisy, so ratios are measured in one run):
 *   (a) a user's access token (one throttler: tenant),
 *   (b) an API key (two throttlers: api-key, then tenant),
 * each on the limited and the skipped route;
 *   1. throughput at BENCH_CONCURRENCY clients (default 8): requests/s, and the process's CPU time
 *      per request (server and load generator share the process);
 *   2. latency at 1 client: mean, p50 and p99 of the client's round trip, and where it goes:
 *      the server's time (Fastify onRequest → onResponse), the throttler guard's
 *      (ApiThrottlerGuard.canActivate; on the skipped route it only reads metadata) and, within
 *      it, the decisions (SlidingWindowThrottlerStorage.increment: their number and time per request).
 *      One client, so that no request waits behind another in the event loop: under load those
 *      timers would also count the queue;
 *   3. the ratios limited / skipped per principal;
 *   4. for scale, one throttler decision alone (the storage's Lua script) against a bare Redis
 *      PING, one caller, alternating rounds.
 * Every answer must be 200 with the handler's body, and every limited answer must carry RateLimit-*
 * headers (none means the storage failed open and nothing was counted); the counts are printed
 * and any failure makes the run exit 1.
 *
 * Bounded: each round stops after BENCH_ROUND_MS or BENCH_ROUND_MAX requests, whichever first.
 * Knobs: BENCH_CONCURRENCY, BENCH_ROUNDS, BENCH_LATENCY_ROUNDS, BENCH_ROUND_MS, BENCH_ROUND_MAX,
 * BENCH_WARMUP_MS, BENCH_PG_URL, REDIS_URL.
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import { Controller, Get, Module } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SkipThrottle } from '@nestjs/throttler';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createApp } from '../src/bootstrap.js';
import { ApiThrottlerGuard } from '../src/modules/usage/rate-limits/api-throttler.guard.js';
import { loadConfig } from '../src/platform/config/config.js';
import { SlidingWindowThrottlerStorage } from '../src/platform/rate-limit/sliding-window-throttler-storage.js';
import { RequirePermission } from '../src/platform/security/decorators.js';
import { prepareBenchDatabase } from './bench-database.js';
import { alternateRounds, timeServerRequests } from './measure.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const LATENCY_ROUNDS = Number(process.env.BENCH_LATENCY_ROUNDS ?? 4);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 2000);
const ROUND_MAX = Number(process.env.BENCH_ROUND_MAX ?? 50_000);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 1500);
/** The tenant's api_per_minute override: far above what the bench can send in a minute. */
const API_PER_MINUTE = 1_000_000_000;

// ---------------------------------------------------------------------------------------------
// The two routes: identical but for @SkipThrottle.

const PROBE = { ok: true } as const;

@Controller('bench/rate-limit')
class RateLimitProbeController {
  @Get('limited')
  @RequirePermission('usage:read')
  limited(): typeof PROBE {
    return PROBE;
  }

  @Get('skipped')
  @RequirePermission('usage:read')
  @SkipThrottle({ tenant: true, 'api-key': true })
  skipped(): typeof PROBE {
    return PROBE;
  }
}

@Module({ controllers: [RateLimitProbeController] })
class RateLimitProbeModule {}

const LIMITED = '/api/v1/bench/rate-limit/limited';
const SKIPPED = '/api/v1/bench/rate-limit/skipped';

// ---------------------------------------------------------------------------------------------
// Client and measurement.

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function send(port: number, method: 'GET' | 'POST', url: string, headers: Record<string, string>, body?: unknown): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const sent = payload === undefined ? headers : { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) };
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: url, method, agent, headers: sent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const get = (port: number, url: string, headers: Record<string, string>) => send(port, 'GET', url, headers);

interface Meter {
  requests: number;
  /** Not 200, or not the handler's body. */
  failures: number;
  /** Limited route answered without RateLimit-* headers (failed open), or skipped route with them. */
  wrongHeaders: number;
  wallMs: number;
  cpuMs: number;
  /** Client round trip per request, in nanoseconds. */
  latency: RecordableHistogram;
  /** Fastify onRequest → onResponse, summed. */
  serverMs: number;
  serverRequests: number;
  /** Inside ApiThrottlerGuard.canActivate, summed. */
  guardMs: number;
  /** Inside SlidingWindowThrottlerStorage.increment (the decisions in Redis), summed, and their number. */
  decisionMs: number;
  decisions: number;
}
const newMeter = (): Meter => ({
  requests: 0,
  failures: 0,
  wrongHeaders: 0,
  wallMs: 0,
  cpuMs: 0,
  latency: createHistogram(),
  serverMs: 0,
  serverRequests: 0,
  guardMs: 0,
  decisionMs: 0,
  decisions: 0,
});
/** The meter of the variant being measured (undefined between measurements). */
let active: Meter | undefined;
/** Warm-up requests are not measured, but they must not fail either. */
const warmup = newMeter();

interface BenchVariant {
  name: string;
  principal: string;
  limited: boolean;
  headers: Record<string, string>;
}

async function request(port: number, v: BenchVariant, meter: Meter): Promise<void> {
  const started = process.hrtime.bigint();
  const answer = await get(port, v.limited ? LIMITED : SKIPPED, v.headers);
  meter.latency.record(Math.max(1, Number(process.hrtime.bigint() - started)));
  meter.requests++;
  if (answer.status !== 200 || answer.body !== '{"ok":true}') meter.failures++;
  else if ((answer.headers['ratelimit-limit'] !== undefined) !== v.limited) meter.wrongHeaders++;
}

/** Warm-up, then `rounds` rounds per variant, alternating which goes first (bench/measure.ts). */
function measure(port: number, variants: BenchVariant[], concurrency: number, rounds: number): Promise<Map<string, Meter>> {
  const requests = variants.map((v) => ({ name: v.name, op: (meter: Meter) => request(port, v, meter) }));
  return alternateRounds(requests, { concurrency, rounds, ms: ROUND_MS, maxOps: ROUND_MAX, warmupMs: WARMUP_MS, warmup }, newMeter, (meter) => (active = meter));
}

/** Mean time of `op` called one at a time, in alternating rounds per op; failures are answers `op` rejects. */
async function serialMeans(
  ops: Array<{ name: string; op: () => Promise<boolean> }>,
  rounds: number,
): Promise<Array<{ name: string; calls: number; meanMs: number; failures: number }>> {
  const totals = new Map(ops.map((o) => [o.name, { calls: 0, ms: 0, failures: 0 }]));
  const round = async (o: (typeof ops)[number], ms: number, t: { calls: number; ms: number; failures: number }) => {
    const deadline = performance.now() + ms;
    for (let n = 0; performance.now() < deadline && n < ROUND_MAX; n++) {
      const started = performance.now();
      const ok = await o.op();
      t.ms += performance.now() - started;
      t.calls++;
      if (!ok) t.failures++;
    }
  };
  for (const o of ops) await round(o, WARMUP_MS, { calls: 0, ms: 0, failures: 0 });
  for (let r = 0; r < rounds; r++) {
    for (const o of r % 2 === 0 ? ops : [...ops].reverse()) await round(o, ROUND_MS, totals.get(o.name)!);
  }
  return ops.map((o) => {
    const t = totals.get(o.name)!;
    return { name: o.name, calls: t.calls, meanMs: t.ms / t.calls, failures: t.failures };
  });
}

// ---------------------------------------------------------------------------------------------
// The check before measuring: the guard counts one route in Redis and honours @SkipThrottle on the other.

async function assertThrottledOnlyWhereExpected(
  port: number,
  redis: Redis,
  prefix: string,
  who: { name: string; headers: Record<string, string>; counters: string[] },
): Promise<void> {
  // Each throttler key is a sliding-window log: a sorted set of the requests counted in the window.
  const hitKey = (throttler: string, tracker: string) => `${prefix}:throttle:${throttler}:${tracker}`;
  const keys = who.counters.map((c) => {
    const [throttler, tracker] = c.split('=') as [string, string];
    return hitKey(throttler, tracker);
  });
  const hits = async () => Promise.all(keys.map((k) => redis.zcard(k)));
  const fail = (what: string) => {
    throw new Error(`${who.name}: ${what}; the comparison would be meaningless`);
  };

  const before = await hits();
  const limited = await get(port, LIMITED, who.headers);
  const afterLimited = await hits();
  const skipped = await get(port, SKIPPED, who.headers);
  const afterSkipped = await hits();

  if (limited.status !== 200 || skipped.status !== 200) fail(`answered ${limited.status} (limited) and ${skipped.status} (skipped), not 200`);
  if (limited.headers['ratelimit-limit'] !== String(API_PER_MINUTE)) fail(`the limited route answered RateLimit-Limit ${String(limited.headers['ratelimit-limit'])}`);
  if (skipped.headers['ratelimit-limit'] !== undefined || skipped.headers['ratelimit-remaining'] !== undefined) fail('the skipped route answered with RateLimit-* headers');
  keys.forEach((key, i) => {
    if (afterLimited[i] !== before[i]! + 1) fail(`the limited route moved ${key} from ${before[i]} to ${afterLimited[i]}, not by 1`);
    if (afterSkipped[i] !== afterLimited[i]) fail(`the skipped route moved ${key} from ${afterLimited[i]} to ${afterSkipped[i]}`);
  });
  console.log(
    `check ${who.name}: limited → 200 with RateLimit-Limit ${limited.headers['ratelimit-limit']}, +1 on ${who.counters.map((c) => c.split('=')[0]).join(' and ')} in Redis; skipped → 200, no RateLimit-* headers, +0`,
  );
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const database = await prepareBenchDatabase('ratelimit');
  const config = loadConfig({
    ...process.env,
    ...database.env,
    QUEUE_PREFIX: `bench-ratelimit-${process.pid}`,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'development',
  });
  const owner = new pg.Pool({ connectionString: database.env.DATABASE_URL, max: 2 });
  owner.on('error', () => undefined);
  const redis = new Redis(config.env.REDIS_URL, { maxRetriesPerRequest: 1 });
  let app: NestFastifyApplication | undefined;
  try {
    app = await createApp(config, { imports: [RateLimitProbeModule] });
    // Bench-only timers: the server's time per request, and the throttler guard's share of it.
    const fastify = app.getHttpAdapter().getInstance();
    timeServerRequests(fastify, (ms) => {
      if (!active) return;
      active.serverMs += ms;
      active.serverRequests++;
    });
    await app.listen(0, '127.0.0.1');
    const port = (fastify.server.address() as { port: number }).port;
    const guard = app.get(ApiThrottlerGuard, { strict: false });
    const canActivate = guard.canActivate.bind(guard);
    guard.canActivate = async (context) => {
      const meter = active;
      const t0 = performance.now();
      try {
        return await canActivate(context);
      } finally {
        if (meter) meter.guardMs += performance.now() - t0;
      }
    };
    const storage = app.get(SlidingWindowThrottlerStorage, { strict: false });
    const increment = storage.increment.bind(storage);
    const timedIncrement: typeof increment = async (...args) => {
      const meter = active;
      const t0 = performance.now();
      try {
        return await increment(...args);
      } finally {
        if (meter) {
          meter.decisionMs += performance.now() - t0;
          meter.decisions++;
        }
      }
    };
    storage.increment = timedIncrement;

    // One tenant that is never refused; an admin (access token) who also makes the API key.
    const tenantId = randomUUID();
    await owner.query('insert into tenants (id, slug, name, limit_overrides) values ($1, $2, $3, $4)', [
      tenantId,
      `bench-ratelimit-${process.pid}`,
      'Bench rate limit',
      JSON.stringify({ api_per_minute: API_PER_MINUTE }),
    ]);
    await owner.query('insert into tenant_settings (tenant_id, display_name) values ($1, $2)', [tenantId, 'Bench rate limit']);
    const userId = randomUUID();
    await owner.query('insert into users (id, email, name) values ($1, $2, $3)', [userId, `bench-${userId}@example.test`, 'Bench user']);
    await owner.query(`insert into memberships (tenant_id, user_id, role) values ($1, $2, 'admin')`, [tenantId, userId]);
    const jwt = new JwtService({ secret: config.env.JWT_SECRET });
    // Access tokens name a live session (sid): one, as sign-in would leave it.
    const sessionId = randomUUID();
    await owner.query(
      `insert into refresh_tokens (user_id, family_id, active_tenant_id, token_hash, expires_at) values ($1, $2, $3, $4, now() + interval '1 day')`,
      [userId, sessionId, tenantId, randomBytes(32)],
    );
    const token = await jwt.signAsync(
      { sub: userId, tid: tenantId, sid: sessionId, typ: 'access' },
      { algorithm: 'HS256', issuer: config.env.JWT_ISSUER, audience: config.env.JWT_AUDIENCE, expiresIn: 3600 },
    );
    const tokenAuth = { authorization: `Bearer ${token}` };

    const created = await send(port, 'POST', '/api/v1/api-keys', tokenAuth, { name: 'bench', scopes: ['usage:read'] });
    if (created.status !== 201) throw new Error(`POST /api/v1/api-keys answered ${created.status}: ${created.body}`);
    const apiKey = JSON.parse(created.body) as { id: string; key: string };
    const keyAuth = { 'x-api-key': apiKey.key };

    await assertThrottledOnlyWhereExpected(port, redis, config.env.QUEUE_PREFIX, {
      name: 'access token',
      headers: tokenAuth,
      counters: [`tenant=${tenantId}`],
    });
    await assertThrottledOnlyWhereExpected(port, redis, config.env.QUEUE_PREFIX, {
      name: 'API key',
      headers: keyAuth,
      counters: [`api-key=${apiKey.id}`, `tenant=${tenantId}`],
    });

    const variants: BenchVariant[] = [
      { name: 'access token  limited (tenant throttler)', principal: 'access token', limited: true, headers: tokenAuth },
      { name: 'access token  skipped', principal: 'access token', limited: false, headers: tokenAuth },
      { name: 'API key       limited (api-key + tenant)', principal: 'API key', limited: true, headers: keyAuth },
      { name: 'API key       skipped', principal: 'API key', limited: false, headers: keyAuth },
    ];
    const throughput = await measure(port, variants, CONCURRENCY, ROUNDS);
    const latency = await measure(port, variants, 1, LATENCY_ROUNDS);

    const col = (text: string, width: number) => text.padStart(width);
    const rps = (m: Meter) => m.requests / (m.wallMs / 1000);
    const ms = (ns: number) => ns / 1e6;
    const pair = (principal: string, results: Map<string, Meter>) => {
      const [limited, skipped] = [true, false].map((l) => results.get(variants.find((v) => v.principal === principal && v.limited === l)!.name)!);
      return { limited: limited!, skipped: skipped! };
    };

    console.log(`\nbench:ratelimit  GET, no handler work; rounds of ${ROUND_MS} ms (at most ${ROUND_MAX} requests), variants alternating`);
    console.log(`\n1. Throughput: ${CONCURRENCY} concurrent clients, ${ROUNDS} rounds per variant`);
    console.log(`${'variant'.padEnd(42)} ${col('requests', 9)} ${col('req/s', 7)} ${col('CPU ms/req', 11)} ${col('failed', 7)} ${col('headers', 8)}`);
    for (const v of variants) {
      const m = throughput.get(v.name)!;
      console.log(
        `${v.name.padEnd(42)} ${col(String(m.requests), 9)} ${col(rps(m).toFixed(0), 7)} ${col((m.cpuMs / m.requests).toFixed(3), 11)} ${col(String(m.failures), 7)} ${col(String(m.wrongHeaders), 8)}`,
      );
    }
    console.log(`\n2. Latency: 1 client, ${LATENCY_ROUNDS} rounds per variant (client round trip)`);
    console.log(
      `${'variant'.padEnd(42)} ${col('requests', 9)} ${col('mean ms', 8)} ${col('p50 ms', 7)} ${col('p99 ms', 7)} ${col('server ms', 10)} ${col('guard ms', 9)} ${col('decisions', 10)} ${col('Redis ms', 9)} ${col('failed', 7)} ${col('headers', 8)}`,
    );
    for (const v of variants) {
      const m = latency.get(v.name)!;
      console.log(
        `${v.name.padEnd(42)} ${col(String(m.requests), 9)} ${col(ms(m.latency.mean).toFixed(3), 8)} ${col(ms(m.latency.percentile(50)).toFixed(3), 7)} ${col(ms(m.latency.percentile(99)).toFixed(3), 7)} ${col((m.serverMs / m.serverRequests).toFixed(3), 10)} ${col((m.guardMs / m.requests).toFixed(3), 9)} ${col((m.decisions / m.requests).toFixed(1), 10)} ${col((m.decisionMs / m.requests).toFixed(3), 9)} ${col(String(m.failures), 7)} ${col(String(m.wrongHeaders), 8)}`,
      );
    }
    console.log('failed: not 200 or not the handler\'s body; headers: limited without RateLimit-* (failed open) or skipped with them.');

    console.log('\n3. Limited / skipped (req/s and CPU per request from 1., mean latency from 2.)');
    console.log(`${'principal'.padEnd(14)} ${col('req/s', 7)} ${col('CPU/req', 8)} ${col('mean latency', 13)} ${col('+ms mean', 9)}`);
    for (const principal of ['access token', 'API key']) {
      const t = pair(principal, throughput);
      const l = pair(principal, latency);
      console.log(
        `${principal.padEnd(14)} ${col((rps(t.limited) / rps(t.skipped)).toFixed(2), 7)} ${col((t.limited.cpuMs / t.limited.requests / (t.skipped.cpuMs / t.skipped.requests)).toFixed(2), 8)} ${col((l.limited.latency.mean / l.skipped.latency.mean).toFixed(2), 13)} ${col(ms(l.limited.latency.mean - l.skipped.latency.mean).toFixed(3), 9)}`,
      );
    }

    // For scale: what one decision costs on its own, next to the bare round trip to Redis.
    const decisionKey = `${config.env.QUEUE_PREFIX}:throttle:bench-decision:${tenantId}`;
    const alone = await serialMeans(
      [
        { name: 'one throttler decision (storage.increment)', op: async () => !(await storage.increment(decisionKey, 60_000, API_PER_MINUTE, 1, 'bench')).failedOpen },
        { name: 'Redis PING (the bare round trip)', op: async () => (await redis.ping()).length > 0 },
      ],
      LATENCY_ROUNDS,
    );
    console.log(`\n4. For scale: 1 caller in this process, ${LATENCY_ROUNDS} rounds each`);
    console.log(`${'operation'.padEnd(42)} ${col('calls', 9)} ${col('mean ms', 8)} ${col('failed', 7)}`);
    for (const a of alone) console.log(`${a.name.padEnd(42)} ${col(String(a.calls), 9)} ${col(a.meanMs.toFixed(3), 8)} ${col(String(a.failures), 7)}`);

    const meters = [...throughput.values(), ...latency.values(), warmup];
    const total = meters.reduce((n, m) => n + m.requests, 0) - warmup.requests;
    const failed = meters.reduce((n, m) => n + m.failures, 0) + alone.reduce((n, a) => n + a.failures, 0);
    const wrong = meters.reduce((n, m) => n + m.wrongHeaders, 0);
    console.log(`\nmeasured requests: ${total} (and ${warmup.requests} to warm up); failed requests and decisions: ${failed} (must be 0); wrong RateLimit-* headers: ${wrong} (must be 0)`);
    if (failed > 0 || wrong > 0) process.exitCode = 1;
  } finally {
    agent.destroy();
    await app?.close();
    await removeKeys(redis, config.env.QUEUE_PREFIX);
    redis.disconnect();
    await owner.end();
    await database.drop();
  }
}

/** Every Redis key of this run (queues, schedulers, throttle counters): the prefix is this run's own. */
async function removeKeys(redis: Redis, prefix: string): Promise<void> {
  for (const match of [`${prefix}:*`, `{${prefix}:*`]) {
    for await (const keys of redis.scanStream({ match, count: 500 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await redis.unlink(...keys);
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
