// `npm run test:faults`: the API and the worker, built, as child processes against a PostgreSQL and
// a Redis of the suite's own (never the shared ones), under a bounded concurrent load, through
// database restarts and stops, Redis losing its data, a worker killed mid-job, SIGTERM with
// requests in flight, a starved pool and a locked table. After each fault: the API is alive, every
// acknowledged write is stored, errors were 503 problem+json (never 500), it recovered without a
// restart and the job schedules are back. Prints a summary table; exits 1 when a scenario failed.
// docs/adr/0012-surviving-faults.md. Settings: FAULTS_PG_PORT (55431), FAULTS_REDIS_PORT (56371),
// FAULTS_API_PORT (3101), FAULTS_DB_STOP_SECONDS (30), FAULTS_KEEP=1 keeps the temporary directory.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { NodeProcess, PrivatePostgres, PrivateRedis } from './faults/infra.js';
import { emptyReport, Load, type LoadReport, type Member, request } from './faults/load.js';

const PG_PORT = Number(process.env.FAULTS_PG_PORT || 55431);
const REDIS_PORT = Number(process.env.FAULTS_REDIS_PORT || 56371);
const API_PORT = Number(process.env.FAULTS_API_PORT || 3101);
const DB_STOP_SECONDS = Number(process.env.FAULTS_DB_STOP_SECONDS || 30);
const STATEMENT_TIMEOUT_MS = 2000;
const QUEUE_PREFIX = 'faults';
const DATABASE = 'tenantry_faults';
const APP_PASSWORD = 'faults_app_pw';
const PLATFORM_PASSWORD = 'faults_platform_pw';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = (...parts: string[]) => path.join(root, 'dist', ...parts);
const base = `http://127.0.0.1:${API_PORT}`;

interface Row {
  scenario: string;
  requests: number;
  served: number;
  unavailable: number;
  refused: number;
  violations: string[];
  acknowledged: number;
  missing: number;
  alive: boolean;
  recoveryMs?: number;
  schedulesBackMs?: number;
  notes: string[];
  passed: boolean;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'tenantry-faults-'));
const logs = path.join(dir, 'logs');
const postgres = new PrivatePostgres(dir, PG_PORT);
const redis = new PrivateRedis(REDIS_PORT);
const api = new NodeProcess('api', dist('src', 'main.js'), path.join(logs, 'api.log'));
const worker = new NodeProcess('worker', dist('src', 'worker.js'), path.join(logs, 'worker.log'));
const rows: Row[] = [];
let baseline: string[] = [];

function env(overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(API_PORT),
    LOG_LEVEL: 'info',
    DATABASE_URL: postgres.url(DATABASE),
    APP_DATABASE_URL: postgres.url(DATABASE, 'tenantry_faults_app', APP_PASSWORD),
    PLATFORM_DATABASE_URL: postgres.url(DATABASE, 'tenantry_faults_platform', PLATFORM_PASSWORD),
    REDIS_URL: redis.url,
    QUEUE_PREFIX,
    JWT_SECRET: randomBytesHex(24),
    CHAT_ENCRYPTION_KEY: Buffer.from('tenantry-fault-suite-key-32-byte').toString('base64'),
    MAIL_TRANSPORT: 'file',
    MAIL_FILE_DIR: path.join(dir, 'mail'),
    DB_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
    // Checked every 5 s here (default 30 s) so that the suite stays short.
    QUEUE_SCHEDULE_CHECK_MS: '5000',
    SIGNIN_RATE_PER_IP: '100000',
    SIGNIN_RATE_PER_ACCOUNT: '100000',
    SHUTDOWN_GRACE_MS: '15000',
    // The API and the worker run side by side here: no metrics server (both would take 9464).
    METRICS_PORT: '0',
    STORAGE_DIR: path.join(dir, 'storage'),
    WORKER_HEARTBEAT_FILE: path.join(dir, 'worker.heartbeat'),
    ...overrides,
  };
}

const jwtSecret = randomBytesHex(24);
function randomBytesHex(n: number): string {
  return randomBytes(n).toString('hex');
}

const apiEnv = (overrides: NodeJS.ProcessEnv = {}) => env({ JWT_SECRET: jwtSecret, WORKER_ENABLED: 'false', ...overrides });
const workerEnv = () => env({ JWT_SECRET: jwtSecret });

async function waitUntil<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined as T);
    if (value !== undefined && done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

async function status(pathname: string): Promise<number> {
  const res = await fetch(`${base}${pathname}`, { signal: AbortSignal.timeout(5000) });
  await res.arrayBuffer();
  return res.status;
}

async function startApi(overrides: NodeJS.ProcessEnv = {}): Promise<void> {
  api.start(apiEnv(overrides));
  await waitUntil('the API to be ready', () => status('/health/ready'), (s) => s === 200, 90_000, 250);
}

/** Starts the worker and waits until it has delivered a probe email: it is up and working. */
async function startWorker(): Promise<void> {
  worker.start(workerEnv());
  const [probe] = await postgres.query<{ id: string }>(
    DATABASE,
    `insert into email_outbox (to_address, template, payload) values ('probe@faults.test', 'welcome', '{"name": "Probe"}'::jsonb) returning id`,
  );
  await waitUntil(
    'the worker to deliver a probe email',
    async () => (await postgres.query<{ status: string }>(DATABASE, 'select status from email_outbox where id = $1', [probe!.id]))[0]!.status,
    (status) => status === 'sent' || !worker.alive,
    90_000,
    250,
  );
  if (!worker.alive) throw new Error(`the worker exited at start-up (see ${path.join(logs, 'worker.log')})`);
}

async function signUp(n: number): Promise<Member> {
  const res = await fetch(`${base}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `owner-${n}-${randomBytesHex(4)}@faults.test`, password: `Fault suite passphrase ${randomBytesHex(8)}`, name: `Owner ${n}`, tenantName: `Faults ${n}` }),
  });
  if (res.status !== 201 && res.status !== 200) throw new Error(`signup answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { accessToken: string; tenant: { id: string } };
  return { tenantId: body.tenant.id, accessToken: body.accessToken };
}

async function missingConversations(ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const found = await postgres.query<{ n: string }>(DATABASE, 'select count(*) as n from conversations where id = any($1::uuid[])', [ids]);
  return ids.length - Number(found[0]!.n);
}

/** Time from now until a write is acknowledged again (the API recovered by itself). */
async function recovery(member: Member): Promise<number | undefined> {
  const started = Date.now();
  const scratch = emptyReport();
  try {
    await waitUntil('a write to succeed', () => request(base, scratch, 'POST', '/api/v1/conversations', member.accessToken), (res) => res?.status === 201, 60_000, 50);
    return Date.now() - started;
  } catch {
    return undefined;
  }
}

/** Time from `started` (the end of the fault) until every job schedule is in Redis again. */
async function schedulesBack(started: number): Promise<number | undefined> {
  try {
    await waitUntil('the job schedules', () => redis.schedulers(QUEUE_PREFIX), (ids) => baseline.every((id) => ids.includes(id)), 70_000, 250);
    return Date.now() - started;
  } catch {
    return undefined;
  }
}

function summarise(scenario: string, report: LoadReport): Omit<Row, 'missing' | 'alive' | 'notes' | 'passed'> {
  let served = 0;
  let unavailable = 0;
  let refused = 0;
  for (const [outcome, n] of report.byOutcome) {
    if (/^[234]\d\d$/.test(outcome)) served += n;
    else if (outcome.startsWith('503:')) unavailable += n;
    else if (outcome.startsWith('network:')) refused += n;
  }
  return { scenario, requests: report.requests, served, unavailable, refused, violations: report.violations, acknowledged: report.acknowledged.length };
}

interface ScenarioOptions {
  clients?: number;
  members: Member[];
  /** Does the fault; resolves when it is over (the service is back). */
  fault: () => Promise<string[] | void>;
  /** Whether the API must still be running (false for SIGTERM). */
  apiStays?: boolean;
  checkSchedules?: boolean;
}

async function scenario(name: string, options: ScenarioOptions): Promise<void> {
  const started = Date.now();
  process.stdout.write(`\n-- ${name} ... `);
  const load = new Load(base, options.members, options.clients ?? 16).start();
  await sleep(1500);
  let notes: string[] = [];
  let failure: string | undefined;
  try {
    notes = (await options.fault()) ?? [];
  } catch (error) {
    failure = `fault step failed: ${(error as Error).message}`;
  }
  const apiStays = options.apiStays ?? true;
  const faultEnded = Date.now();
  const schedules = options.checkSchedules === false ? Promise.resolve(undefined) : schedulesBack(faultEnded);
  const recoveryMs = apiStays ? await recovery(options.members[0]!) : undefined;
  await sleep(1000);
  const report = await load.stop();
  // The worker too must survive every fault (it is restarted only after its SIGKILL).
  const alive = worker.alive && (apiStays ? api.alive && (await status('/health/live').catch(() => 0)) === 200 : true);
  const missing = await missingConversations(report.acknowledged);
  const schedulesBackMs = await schedules;
  const row: Row = { ...summarise(name, report), missing, alive, recoveryMs, schedulesBackMs, notes, passed: false };
  if (failure) row.notes.push(failure);
  if (apiStays && recoveryMs === undefined) row.notes.push('no write succeeded within 60 s after the fault');
  if (options.checkSchedules !== false && schedulesBackMs === undefined) row.notes.push('schedules not back within 70 s');
  row.passed = !failure && alive && row.violations.length === 0 && missing === 0 && (!apiStays || recoveryMs !== undefined) && (options.checkSchedules === false || schedulesBackMs !== undefined);
  rows.push(row);
  process.stdout.write(`${row.passed ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  for (const v of row.violations) console.log(`   violation: ${v}`);
  for (const n of row.notes) console.log(`   ${n}`);
  console.log(`   outcomes: ${JSON.stringify(Object.fromEntries(report.byOutcome))}`);
}

async function setUp(): Promise<Member[]> {
  mkdirSync(logs, { recursive: true });
  console.log(`fault suite: temporary directory ${dir}`);
  await postgres.init();
  await postgres.start();
  await redis.start();
  await postgres.query('postgres', `create database ${DATABASE}`);
  const migrate = new NodeProcess('migrate', dist('scripts', 'migrate.js'), path.join(logs, 'migrate.log'));
  migrate.start(env());
  await waitUntil('the migrations', async () => migrate.exits[0], (exit) => exit !== undefined, 120_000, 200);
  if (migrate.exits[0]!.code !== 0) throw new Error(`migrations failed (see ${path.join(logs, 'migrate.log')})`);
  await startApi();
  await startWorker();
  const members: Member[] = [];
  for (let n = 0; n < 4; n++) members.push(await signUp(n));
  // The enterprise plan's rate (6,000 a minute): the load measures faults, not the rate limiter.
  await postgres.query(DATABASE, `update tenants set plan = 'enterprise' where id = any($1::uuid[])`, [members.map((m) => m.tenantId)]);
  let previous: string[] = [];
  baseline = (await waitUntil(
    'the job schedules written at start-up',
    async () => {
      const now = await redis.schedulers(QUEUE_PREFIX);
      const stable = now.length > 0 && now.join() === previous.join();
      previous = now;
      return stable ? now : undefined;
    },
    (ids) => ids !== undefined,
    60_000,
    1000,
  ))!;
  console.log(`job schedules: ${baseline.length} (${baseline.join(', ')})`);
  return members;
}

async function workerKilledMidJob(members: Member[]): Promise<void> {
  await scenario('worker SIGKILL in the middle of a drain job', {
    members,
    fault: async () => {
      const owner = new pg.Client({ connectionString: postgres.url(DATABASE) });
      await owner.connect();
      try {
        const { rows: inserted } = await owner.query<{ id: string }>(
          `insert into email_outbox (to_address, template, payload)
           select 'kill-' || g || '@faults.test', 'welcome', '{"name": "Kill"}'::jsonb from generate_series(1, 400) g returning id`,
        );
        const ids = inserted.map((r) => r.id);
        const sentCount = async () => Number((await owner.query<{ n: string }>(`select count(*) as n from email_outbox where id = any($1::uuid[]) and status = 'sent'`, [ids])).rows[0]!.n);
        await waitUntil('the drain to start', sentCount, (n) => n > 0, 30_000, 10);
        await worker.stop('SIGKILL');
        const atKill = await sentCount();
        await startWorker();
        const { rows: leased } = await owner.query<{ n: string }>(
          `select count(*) as n from email_outbox where id = any($1::uuid[]) and status = 'pending' and available_at > now()`,
          [ids],
        );
        const leasedByDead = Number(leased[0]!.n);
        await waitUntil('the new worker to send the rest', sentCount, (n) => n >= ids.length - leasedByDead, 60_000, 250);
        const { rows: states } = await owner.query<{ status: string; n: string }>(
          'select status, count(*) as n from email_outbox where id = any($1::uuid[]) group by status',
          [ids],
        );
        const failed = states.find((s) => s.status === 'failed');
        if (failed) throw new Error(`${failed.n} emails failed`);
        return [`400 emails: ${atKill} sent when the worker was killed; ${leasedByDead} were claimed by it (sent again after the lease, same Message-ID); the rest sent by the new worker`];
      } finally {
        await owner.end();
      }
    },
  });
}

function printTable(): void {
  const header = ['scenario', 'requests', '2xx-4xx', '503', 'refused', '500/bad', 'acked', 'lost', 'alive', 'recovery', 'schedules', 'result'];
  const lines = rows.map((r) => [
    r.scenario,
    String(r.requests),
    String(r.served),
    String(r.unavailable),
    String(r.refused),
    String(r.violations.length),
    String(r.acknowledged),
    String(r.missing),
    r.alive ? 'yes' : 'NO',
    r.recoveryMs === undefined ? '-' : `${r.recoveryMs} ms`,
    r.schedulesBackMs === undefined ? '-' : `${(r.schedulesBackMs / 1000).toFixed(1)} s`,
    r.passed ? 'passed' : 'FAILED',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`\n${format(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const line of lines) console.log(format(line));
  console.log('\n(recovery: from the end of the fault to the first acknowledged write; schedules: until every job schedule was in Redis again)');
}

/** Stops everything the suite started (also on SIGINT/SIGTERM, so nothing is left running). */
async function cleanUp(): Promise<void> {
  await api.stop('SIGTERM').catch(() => undefined);
  await worker.stop('SIGTERM').catch(() => undefined);
  await postgres.stopIfRunning();
  await redis.stop();
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\nfault suite: ${signal}, cleaning up`);
    void cleanUp().finally(() => {
      if (process.env.FAULTS_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
      process.exit(130);
    });
  });
}

async function main(): Promise<number> {
  const started = Date.now();
  try {
    const members = await setUp();

    if (!worker.alive) throw new Error('the worker is not running');
    await scenario('database restart (pg_ctl restart -m fast)', { members, fault: () => postgres.restart() });

    await scenario(`database stopped for ${DB_STOP_SECONDS} s`, {
      members,
      fault: async () => {
        const logBefore = api.logBytes;
        await postgres.stop();
        await sleep(DB_STOP_SECONDS * 1000);
        await postgres.start();
        return [`API log written during the outage: ${((api.logBytes - logBefore) / 1024).toFixed(0)} KiB`];
      },
    });

    await scenario('Redis stopped for 10 s, back empty', {
      members,
      fault: async () => {
        await redis.stop();
        await sleep(10_000);
        await redis.start();
      },
    });

    await scenario('Redis flushed (FLUSHALL)', { members, fault: async () => void (await redis.command((r) => r.flushall())) });

    await scenario(`table locked past the statement timeout (${STATEMENT_TIMEOUT_MS} ms)`, {
      members,
      fault: async () => {
        const owner = new pg.Client({ connectionString: postgres.url(DATABASE) });
        await owner.connect();
        try {
          await owner.query('begin');
          await owner.query('lock table conversations in access exclusive mode');
          await sleep(STATEMENT_TIMEOUT_MS * 3);
          await owner.query('rollback');
        } finally {
          await owner.end();
        }
      },
    });

    await workerKilledMidJob(members);

    await api.stop('SIGTERM');
    await startApi({ DB_POOL_MAX: '2', DB_POOL_TIMEOUT_MS: '5000' });
    await scenario('pool of 2 connections, 64 clients', { members, clients: 64, fault: () => sleep(10_000) });
    await api.stop('SIGTERM');
    await startApi();

    await scenario('SIGTERM with requests in flight', {
      members,
      apiStays: false,
      checkSchedules: false,
      fault: async () => {
        const code = await api.stop('SIGTERM');
        if (code !== 0) throw new Error(`the API exited with ${code} after SIGTERM`);
        return [`exited ${code} after SIGTERM`];
      },
    });
  } catch (error) {
    console.error(`\nfault suite: set-up or scenario crashed: ${(error as Error).stack ?? String(error)}`);
    rows.push({ scenario: 'suite', requests: 0, served: 0, unavailable: 0, refused: 0, violations: [], acknowledged: 0, missing: 0, alive: false, notes: [String(error)], passed: false });
  } finally {
    await cleanUp();
  }
  const crashes = [...api.exits, ...worker.exits].filter((e) => e.signal !== 'SIGKILL' && e.code !== 0 && e.code !== null);
  if (crashes.length > 0) console.log(`process exits other than on purpose: ${JSON.stringify(crashes)}`);
  printTable();
  const passed = rows.filter((r) => r.passed).length;
  console.log(`\nfault suite took ${((Date.now() - started) / 1000).toFixed(0)} s; logs in ${logs}${process.env.FAULTS_KEEP === '1' ? '' : ' (removed)'}`);
  console.log(`faults: ${passed} passed, ${rows.length - passed} failed`);
  if (process.env.FAULTS_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
  return passed === rows.length && crashes.length === 0 ? 0 : 1;
}

process.exitCode = await main();
