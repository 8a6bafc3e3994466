/**
 * npm run bench:metrics — what observability costs an authenticated request, from one run.
 *
 * Three instances of the real application (createApp, as main.ts builds it) in one process, on
 * one bench database, each listening on its own port:
 *   off      METRICS_PORT=0 and no tracing: no Prometheus recording, no spans (the tenant's own
 *            traffic rollup, a product feature, still runs, as it does in every variant);
 *   metrics  METRICS_PORT set: the HTTP histogram (tenant label budget), Redis command timing,
 *            the metrics server (scraped once per round, as Prometheus would);
 *   both     metrics, and tracing on (built after startTracing): server, handler, unit-of-work,
 *            pg and Redis spans for every request, batched to an exporter that drops them (the
 *            cost measured is the SDK's, not a collector's network).
 * The route: GET /api/v1/usage with a user's access token (auth, throttler, a unit of work with
 * four queries). Variants alternate in rounds (bench/measure.ts) so machine noise hits all alike.
 * Prints requests/s and CPU ms per request, and the ratios metrics/off and both/off
 * (targets: ≥ 0.95 and ≥ 0.85, issue 14). Any non-200 answer makes the run exit 1.
 * Knobs: BENCH_CONCURRENCY (8), BENCH_ROUNDS (6), BENCH_ROUND_MS (2000), BENCH_ROUND_MAX (50000), BENCH_WARMUP_MS (1500).
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { JwtService } from '@nestjs/jwt';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ExportResultCode } from '@opentelemetry/core';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import pg from 'pg';
import { createApp } from '../src/bootstrap.js';
import { type AppConfig, loadConfig } from '../src/platform/config/config.js';
import { samplerOf } from '../src/platform/observability/trace-sampler.js';
import { startTracing, stopTracing } from '../src/platform/observability/tracing.js';
import { prepareBenchDatabase } from './bench-database.js';
import { alternateRounds } from './measure.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 2000);
const ROUND_MAX = Number(process.env.BENCH_ROUND_MAX ?? 50_000);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 1500);
const METRICS_PORT = Number(process.env.BENCH_METRICS_PORT ?? 0) || 3850;
const ROUTE = '/api/v1/usage';

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY * 3 });

function get(port: number, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'GET', agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Counts the spans and drops them: the SDK's cost without a collector's. */
class DroppingExporter implements SpanExporter {
  spans = 0;
  /** Spans by kind of work (`pg.query BEGIN`, `redis get`...), to read what a request is made of. */
  readonly byName = new Map<string, number>();
  export(spans: Parameters<SpanExporter['export']>[0], done: Parameters<SpanExporter['export']>[1]): void {
    this.spans += spans.length;
    for (const span of spans) {
      const text = span.attributes['db.query.text'];
      const name = typeof text === 'string' ? `${span.name} ${text.trim().split(/\s+/)[0]!.toLowerCase()}` : span.name;
      this.byName.set(name, (this.byName.get(name) ?? 0) + 1);
    }
    done({ code: ExportResultCode.SUCCESS });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

interface Meter {
  requests: number;
  failures: number;
  wallMs: number;
  cpuMs: number;
}
const newMeter = (): Meter => ({ requests: 0, failures: 0, wallMs: 0, cpuMs: 0 });

async function listen(config: AppConfig): Promise<{ app: NestFastifyApplication; port: number }> {
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  return { app, port: (app.getHttpAdapter().getInstance().server.address() as { port: number }).port };
}

async function main(): Promise<void> {
  const database = await prepareBenchDatabase('metrics');
  const base = { ...process.env, ...database.env, LOG_LEVEL: 'silent', NODE_ENV: 'development', WORKER_ENABLED: 'false', METRICS_HOST: '127.0.0.1' } as NodeJS.ProcessEnv;
  const configOf = (name: string, metricsPort: number) => loadConfig({ ...base, QUEUE_PREFIX: `bench-metrics-${name}-${process.pid}`, METRICS_PORT: String(metricsPort) });
  const owner = new pg.Pool({ connectionString: database.env.DATABASE_URL, max: 2 });
  owner.on('error', () => undefined);
  const apps: NestFastifyApplication[] = [];
  const exporter = new DroppingExporter();
  let failed = false;
  try {
    const off = await listen(configOf('off', 0));
    const withMetrics = await listen(configOf('metrics', METRICS_PORT));
    // Tracing is per process: the third instance is built after it starts (its middleware and
    // queue telemetry are wired at build time); the first two mount no tracing middleware, so
    // their requests start no trace (the pg and Redis hooks then only check for an active span).
    // OTEL_TRACES_SAMPLER / _ARG in the environment measure a sampled deployment (default: every trace).
    const sampling = configOf('sampling', 0).env;
    startTracing({ serviceName: 'bench', exporter, batch: true, sampler: samplerOf(sampling.OTEL_TRACES_SAMPLER, sampling.OTEL_TRACES_SAMPLER_ARG) });
    const both = await listen(configOf('both', METRICS_PORT + 1));
    apps.push(off.app, withMetrics.app, both.app);

    const tenantId = randomUUID();
    const userId = randomUUID();
    await owner.query('insert into tenants (id, slug, name, limit_overrides) values ($1, $2, $3, $4)', [tenantId, `bench-metrics-${process.pid}`, 'Bench metrics', JSON.stringify({ api_per_minute: 1_000_000_000 })]);
    await owner.query('insert into tenant_settings (tenant_id, display_name) values ($1, $2)', [tenantId, 'Bench metrics']);
    await owner.query('insert into users (id, email, name) values ($1, $2, $3)', [userId, `bench-${userId}@example.test`, 'Bench user']);
    await owner.query(`insert into memberships (tenant_id, user_id, role) values ($1, $2, 'admin')`, [tenantId, userId]);
    // Access tokens name a live session (sid): one, as sign-in would leave it.
    const sessionId = randomUUID();
    await owner.query(
      `insert into refresh_tokens (user_id, family_id, active_tenant_id, token_hash, expires_at) values ($1, $2, $3, $4, now() + interval '1 day')`,
      [userId, sessionId, tenantId, randomBytes(32)],
    );
    const config = configOf('token', 0);
    const token = await new JwtService({ secret: config.env.JWT_SECRET }).signAsync(
      { sub: userId, tid: tenantId, sid: sessionId, typ: 'access' },
      { algorithm: 'HS256', issuer: config.env.JWT_ISSUER, audience: config.env.JWT_AUDIENCE, expiresIn: 3600 },
    );
    const auth = { authorization: `Bearer ${token}` };
    for (const [name, port] of [['off', off.port], ['metrics', withMetrics.port], ['both', both.port]] as const) {
      const status = await get(port, ROUTE, auth);
      if (status !== 200) throw new Error(`${name}: ${ROUTE} answered ${status}`);
    }

    const variant = (name: string, port: number) => ({
      name,
      op: async (meter: Meter) => {
        const status = await get(port, ROUTE, auth);
        meter.requests++;
        if (status !== 200) meter.failures++;
      },
    });
    const scrape = async (): Promise<void> => {
      for (const port of [METRICS_PORT, METRICS_PORT + 1]) await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    };
    const variants = [variant('off', off.port), variant('metrics', withMetrics.port), variant('both', both.port)];
    const meters = await alternateRounds(variants, { concurrency: CONCURRENCY, rounds: ROUNDS, ms: ROUND_MS, maxOps: ROUND_MAX, warmupMs: WARMUP_MS }, newMeter, (meter) => {
      if (meter) void scrape();
    });

    console.log(`GET ${ROUTE} (access token), ${CONCURRENCY} clients, ${ROUNDS} alternating rounds of ${ROUND_MS} ms`);
    console.log(`${'variant'.padEnd(10)} ${'requests'.padStart(9)} ${'req/s'.padStart(8)} ${'CPU ms/req'.padStart(11)} ${'failures'.padStart(9)}`);
    const rate = (m: Meter) => m.requests / (m.wallMs / 1000);
    for (const [name, m] of meters) {
      console.log(`${name.padEnd(10)} ${String(m.requests).padStart(9)} ${rate(m).toFixed(0).padStart(8)} ${(m.cpuMs / m.requests).toFixed(3).padStart(11)} ${String(m.failures).padStart(9)}`);
      if (m.failures > 0) failed = true;
    }
    const offRate = rate(meters.get('off')!);
    const metricsRatio = rate(meters.get('metrics')!) / offRate;
    const bothRatio = rate(meters.get('both')!) / offRate;
    console.log(`ratio metrics on, tracing off / off: ${metricsRatio.toFixed(3)}  (target >= 0.95)`);
    console.log(`ratio metrics and tracing on / off:  ${bothRatio.toFixed(3)}  (target >= 0.85)`);
    console.log(`spans exported (and dropped): ${exporter.spans}`);
    const traced = meters.get('both')!.requests;
    const perRequest = [...exporter.byName].sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} ${(n / traced).toFixed(1)}`);
    console.log(`spans per traced request: ${perRequest.join(', ')}`);
  } finally {
    for (const app of apps) await app.close().catch(() => undefined);
    await stopTracing();
    await owner.end();
    await database.drop();
    agent.destroy();
  }
  if (failed) process.exit(1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
