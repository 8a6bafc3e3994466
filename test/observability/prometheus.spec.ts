import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplicationContext } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AppModule } from '../../src/app.module.js';
import { CONVERSATION_TITLE_QUEUE, conversationTitleJobId } from '../../src/modules/chat/jobs/conversation-title.jobs.js';
import { loadConfig } from '../../src/platform/config/config.js';
import { AppQueues } from '../../src/platform/queue/app-queues.js';
import { startWorkerProcess } from '../../src/platform/queue/worker-process.js';
import { waitFor } from '../e2e/billing-helpers.js';
import { testEnv } from '../support/database.js';
import { FAKE_PROVIDER_ENV, type FakeOpenAi, startFakeOpenAi } from '../support/fake-openai.js';
import { createTestApp, type TestApp, type TestMember } from '../support/http-app.js';
import { dashboardExpressions, metricNamesOf, ruleExpressions } from './promql-names.js';

/**
 * The real parts of deploy/observability: promtool accepts the Prometheus config and the alert
 * rules; a real Prometheus scrapes a running API and worker and answers a per-tenant series; and
 * every metric the dashboard and the alerts query is exposed after a short scenario (a dashboard
 * panel on a metric nobody exports fails here). Needs Debian's `prometheus` package (promtool).
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DEPLOY = path.join(ROOT, 'deploy/observability');
const API_METRICS_PORT = 3802;
const WORKER_METRICS_PORT = 3803;
const PROMETHEUS_PORT = 3890;

let t: TestApp;
let worker: INestApplicationContext | undefined;
let fake: FakeOpenAi;
let admin: TestMember;
let prometheus: ChildProcess | undefined;
let scratch: string;

const scrape = async (port: number): Promise<string> => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'tenantry-prometheus-'));
  fake = await startFakeOpenAi();
  t = await createTestApp({ env: { ...FAKE_PROVIDER_ENV, PROVIDER_MAX_RETRIES: '0', METRICS_PORT: String(API_METRICS_PORT), METRICS_HOST: '127.0.0.1' } });
  worker = await startWorkerProcess(
    AppModule.forRoot(loadConfig(testEnv(t.database, { ...FAKE_PROVIDER_ENV, WORKER_ENABLED: 'true', METRICS_PORT: String(WORKER_METRICS_PORT), METRICS_HOST: '127.0.0.1' }))),
  );
  const tenant = await t.makeTenant();
  admin = await t.makeMember(tenant.id, 'admin');
}, 60_000);

afterAll(async () => {
  prometheus?.kill('SIGTERM');
  await worker?.close();
  await t?.close();
  await fake?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('promtool', () => {
  it('accepts the scrape configuration', () => {
    expect(execFileSync('promtool', ['check', 'config', path.join(DEPLOY, 'prometheus.yml')], { encoding: 'utf8' })).toContain('SUCCESS');
  });

  it('accepts the alert rules', () => {
    expect(execFileSync('promtool', ['check', 'rules', path.join(DEPLOY, 'alerts.yml')], { encoding: 'utf8' })).toMatch(/SUCCESS: \d+ rules found/);
  });
});

describe('the dashboard and the alert rules', () => {
  it('query only metrics that /metrics exposes after a short scenario', async () => {
    // The scenario: chats (provider latency, tokens, a title job), a provider failure, a quota refusal.
    const settings = { provider: 'openai_compatible', model: 'gpt-test', baseUrl: fake.baseUrl, maxTokens: 50, autoTitles: true };
    expect((await t.inject({ method: 'PATCH', url: '/api/v1/assistant', headers: admin.auth, payload: settings })).statusCode).toBe(200);
    const conversation = (await t.inject({ method: 'POST', url: '/api/v1/conversations', headers: admin.auth })).json<{ id: string }>().id;
    const send = (content: string) => t.inject({ method: 'POST', url: `/api/v1/conversations/${conversation}/messages`, headers: admin.auth, payload: { content } });
    expect((await send('hello metrics')).statusCode).toBe(200);
    const queue: Queue = t.app.get(AppQueues, { strict: false }).get(CONVERSATION_TITLE_QUEUE)!;
    const jobId = conversationTitleJobId(admin.tenantId, conversation);
    await waitFor(async () => (await (await queue.getJob(jobId))?.getState()) ?? 'missing', (s) => s === 'completed', 20_000, 'title job');
    fake.enqueue({ kind: 'status', status: 500 });
    await send('this one fails at the provider');
    const capped = await t.makeTenant();
    await t.owner.query('update tenants set limit_overrides = $2 where id = $1', [capped.id, JSON.stringify({ messages_per_month: 0 })]);
    const cappedAdmin = await t.makeMember(capped.id, 'admin');
    const cappedConversation = (await t.inject({ method: 'POST', url: '/api/v1/conversations', headers: cappedAdmin.auth })).json<{ id: string }>().id;
    const refused = await t.inject({ method: 'POST', url: `/api/v1/conversations/${cappedConversation}/messages`, headers: cappedAdmin.auth, payload: { content: 'over quota' } });
    expect(refused.statusCode).toBe(402);

    const exposed = new Set(
      (await scrape(API_METRICS_PORT))
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('#'))
        .map((line) => line.split(/[{ ]/, 1)[0]!),
    );
    const queried = new Set([
      ...dashboardExpressions(path.join(DEPLOY, 'grafana/dashboards/tenantry.json')).flatMap(metricNamesOf),
      ...ruleExpressions(path.join(DEPLOY, 'alerts.yml')).flatMap(metricNamesOf),
    ]);
    queried.delete('up'); // Prometheus's own, per target
    expect(queried.size).toBeGreaterThan(15);
    expect([...queried].filter((name) => !exposed.has(name))).toEqual([]);
  });
});

describe('Prometheus', () => {
  it('scrapes the API and the worker on their metrics ports and answers a per-tenant series', async () => {
    for (let i = 0; i < 25; i += 1) expect((await t.inject({ method: 'GET', url: '/api/v1/usage', headers: admin.auth })).statusCode).toBe(200);
    expect(await scrape(WORKER_METRICS_PORT)).toContain('jobs_queue_jobs');
    const config = path.join(scratch, 'prometheus.yml');
    writeFileSync(
      config,
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        `rule_files: ["${path.join(DEPLOY, 'alerts.yml')}"]`,
        'scrape_configs:',
        `  - { job_name: tenantry-api, static_configs: [{ targets: ["127.0.0.1:${API_METRICS_PORT}"] }] }`,
        `  - { job_name: tenantry-worker, static_configs: [{ targets: ["127.0.0.1:${WORKER_METRICS_PORT}"] }] }`,
      ].join('\n'),
    );
    prometheus = spawn(
      'prometheus',
      [`--config.file=${config}`, `--storage.tsdb.path=${path.join(scratch, 'data')}`, `--web.listen-address=127.0.0.1:${PROMETHEUS_PORT}`, '--log.level=warn'],
      { stdio: 'ignore' },
    );
    const query = async (promql: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> => {
      try {
        const res = await fetch(`http://127.0.0.1:${PROMETHEUS_PORT}/api/v1/query?query=${encodeURIComponent(promql)}`);
        return res.ok ? ((await res.json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } }).data.result : [];
      } catch {
        return []; // not listening yet
      }
    };

    const series = await waitFor(
      () => query(`sum by (tenant, route) (http_request_duration_seconds_count{job="tenantry-api",tenant="${admin.tenantId}"})`),
      (result) => result.length > 0,
      30_000,
      'a per-tenant series in Prometheus',
    );
    expect(series[0]!.metric).toEqual({ tenant: admin.tenantId, route: expect.any(String) });
    expect(Number(series[0]!.value[1])).toBeGreaterThan(0);
    const targets = await waitFor(() => query('up'), (result) => result.length === 2 && result.every((r) => r.value[1] === '1'), 30_000, 'both targets up');
    expect(targets.map((r) => r.metric.job).sort()).toEqual(['tenantry-api', 'tenantry-worker']);
  });
});
