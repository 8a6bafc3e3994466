import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { BullModule, InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { type INestApplicationContext, Injectable, Module } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Job, Queue } from 'bullmq';
import { AppModule } from '../../src/app.module.js';
import { AuditLog } from '../../src/platform/audit/audit-log.js';
import { loadConfig } from '../../src/platform/config/config.js';
import { TenantContext } from '../../src/platform/context/tenant-context.js';
import { runTenantJob, tenantJobPayload } from '../../src/platform/queue/tenant-job.js';
import { startWorkerProcess, stopOnSignals } from '../../src/platform/queue/worker-process.js';
import { testEnv } from '../support/database.js';
import { createTestApp, expectProblem, type TestApp } from '../support/http-app.js';
import { BillingWorld, waitFor } from './billing-helpers.js';

/**
 * Background jobs: the API process runs the processors or leaves them to `npm run worker`
 * (WORKER_ENABLED); the worker process stops on SIGTERM only once its running jobs have finished;
 * failed jobs are listed for platform admins, who can retry them.
 */

const SLOW_QUEUE = 'worker-test-slow';
const FLAKY_QUEUE = 'worker-test-flaky';
const SLOW_MS = 300;

/** What the test processors saw; reset per test. */
const seen = { started: [] as string[], finished: [] as Array<{ id: string; at: number }>, flakyFails: true };

/** A tenant job that takes SLOW_MS, then writes to the database in its tenant's context. */
@Processor(SLOW_QUEUE)
class SlowJob extends WorkerHost {
  constructor(
    private readonly ctx: TenantContext,
    private readonly audit: AuditLog,
  ) {
    super();
  }

  async process(job: Job): Promise<string> {
    seen.started.push(String(job.id));
    await sleep(SLOW_MS);
    await runTenantJob(this.ctx, tenantJobPayload, job, () => this.audit.record({ action: 'test.slow_job_done', targetId: String(job.id) }));
    seen.finished.push({ id: String(job.id), at: Date.now() });
    return 'done';
  }
}

@Processor(FLAKY_QUEUE)
class FlakyJob extends WorkerHost {
  async process(): Promise<string> {
    if (seen.flakyFails) throw new Error('boom: the mail server said no');
    return 'ok';
  }
}

@Injectable()
class TestQueues {
  constructor(
    @InjectQueue(SLOW_QUEUE) readonly slow: Queue,
    @InjectQueue(FLAKY_QUEUE) readonly flaky: Queue,
  ) {}
}

@Module({
  imports: [BullModule.registerQueue({ name: SLOW_QUEUE }, { name: FLAKY_QUEUE })],
  providers: [SlowJob, FlakyJob, TestQueues],
})
class TestJobsModule {}

/** `npm run worker` in this process: AppModule without HTTP, WORKER_ENABLED forced on, on the test app's database and queues. */
async function startWorker(t: TestApp): Promise<INestApplicationContext> {
  const root = AppModule.forRoot(loadConfig(testEnv(t.database, { WORKER_ENABLED: 'true' })));
  root.imports = [...(root.imports ?? []), TestJobsModule];
  return startWorkerProcess(root);
}

const jobState = async (queue: Queue, id: string): Promise<string> => (await queue.getJob(id))?.getState() ?? 'missing';

afterEach(() => {
  seen.started = [];
  seen.finished = [];
  seen.flakyFails = true;
});

describe('WORKER_ENABLED=false (an API-only process)', () => {
  let api: TestApp;
  let worker: INestApplicationContext | undefined;

  beforeAll(async () => {
    api = await createTestApp({ imports: [TestJobsModule], env: { WORKER_ENABLED: 'false' } });
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  it('enqueues jobs but does not run them; a worker process runs them', async () => {
    const tenant = await api.makeTenant();
    const queue = api.app.get(TestQueues).slow;

    await queue.add('slow', { tenantId: tenant.id }, { jobId: 'api-only-1' });
    await sleep(500);
    expect(await jobState(queue, 'api-only-1')).toBe('waiting');
    expect(seen.started).toEqual([]);

    worker = await startWorker(api);
    await waitFor(() => jobState(queue, 'api-only-1'), (state) => state === 'completed', 10_000, 'the worker to run the job');
    expect(seen.finished.map((f) => f.id)).toEqual(['api-only-1']);
  });
});

describe('the worker process on SIGTERM', () => {
  let api: TestApp;

  beforeAll(async () => {
    api = await createTestApp({ imports: [TestJobsModule], env: { WORKER_ENABLED: 'false' } });
  });

  afterAll(async () => {
    await api?.close();
  });

  it('lets the running job finish (database work included), takes no new job, then closes and exits 0', async () => {
    const tenant = await api.makeTenant();
    const world = new BillingWorld(api);
    const queue = api.app.get(TestQueues).slow;
    const worker = await startWorker(api);
    const exits: Array<{ code: number; at: number }> = [];
    const before = new Set(process.listeners('SIGTERM'));
    const removeHandlers = stopOnSignals(worker, { graceMs: 10_000, exit: (code) => exits.push({ code, at: Date.now() }) });
    const sigterm = process.listeners('SIGTERM').find((listener) => !before.has(listener))!;
    try {
      await queue.add('slow', { tenantId: tenant.id }, { jobId: 'sigterm-1' });
      await waitFor(async () => seen.started, (started) => started.includes('sigterm-1'), 10_000, 'the job to start');

      sigterm('SIGTERM'); // what the process receives from `kill` / the orchestrator
      await sleep(50);
      await queue.add('slow', { tenantId: tenant.id }, { jobId: 'sigterm-2' }); // arrives while stopping
      await waitFor(async () => exits, (e) => e.length > 0, 10_000, 'the worker to exit');

      expect(exits).toEqual([{ code: 0, at: expect.any(Number) }]);
      expect(seen.finished.map((f) => f.id)).toEqual(['sigterm-1']);
      expect(seen.finished[0]!.at).toBeLessThanOrEqual(exits[0]!.at);
      expect(await jobState(queue, 'sigterm-1')).toBe('completed');
      expect(await world.audit(tenant.id, 'test.slow_job_done')).toEqual([expect.objectContaining({ actor_type: 'system' })]);
      expect(await jobState(queue, 'sigterm-2')).toBe('waiting'); // left for the next worker
    } finally {
      removeHandlers();
      await worker.close();
      await world.close();
    }
  });
});

describe('shutting down with Redis unreachable', () => {
  it('does not hang: the workers are closed at once (no job could finish without Redis anyway)', async () => {
    const down = await createTestApp({ imports: [TestJobsModule], env: { REDIS_URL: 'redis://127.0.0.1:6390' } }); // nothing listens there
    const workers = down.app
      .get(DiscoveryService)
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is WorkerHost => instance instanceof WorkerHost)
      .map((host) => host.worker);
    const closedWith: Array<boolean | undefined> = [];
    for (const worker of workers) {
      const close = worker.close.bind(worker);
      worker.close = (force?: boolean) => {
        closedWith.push(force);
        return close(force);
      };
    }
    expect(workers.map((worker) => worker.name).sort()).toEqual(expect.arrayContaining([SLOW_QUEUE, FLAKY_QUEUE]));

    // A graceful close would wait for Redis forever: every worker is closed with force, at once.
    await expect(down.close()).resolves.toBeUndefined();
    expect(closedWith).toEqual(workers.map(() => true));
  });
});

describe('GET /api/v1/admin/jobs/failed and POST /api/v1/admin/jobs/:queue/:id/retry', () => {
  let t: TestApp;
  let world: BillingWorld;

  beforeAll(async () => {
    t = await createTestApp({ imports: [TestJobsModule] }); // WORKER_ENABLED defaults to true: this process runs them
    world = new BillingWorld(t);
  });

  afterAll(async () => {
    await world?.close();
    await t?.close();
  });

  async function failedJob(tenantId: string, jobId: string): Promise<void> {
    await t.app.get(TestQueues).flaky.add('send-report', { tenantId }, { jobId, attempts: 2, backoff: { type: 'fixed', delay: 10 } });
    await waitFor(() => jobState(t.app.get(TestQueues).flaky, jobId), (state) => state === 'failed', 10_000, 'the job to fail');
  }

  it('lists failed jobs across queues for platform admins: queue, name, tenant, reason, attempts, times', async () => {
    const tenant = await t.makeTenant();
    const admin = await world.member(tenant.id, 'member', { platformAdmin: true });
    await failedJob(tenant.id, 'flaky-1');

    const res = await t.inject({ method: 'GET', url: '/api/v1/admin/jobs/failed', headers: admin.headers });

    expect(res.statusCode).toBe(200);
    expect(res.json<{ data: unknown[] }>().data).toContainEqual({
      queue: FLAKY_QUEUE,
      id: 'flaky-1',
      name: 'send-report',
      tenantId: tenant.id,
      failedReason: 'boom: the mail server said no',
      stacktrace: expect.arrayContaining(['Error: boom: the mail server said no']),
      attemptsMade: 2,
      attemptsAllowed: 2,
      createdAt: expect.any(String),
      processedAt: expect.any(String),
      failedAt: expect.any(String),
    });
  });

  it('narrows to one queue with ?queue=, pages with a cursor, and refuses an unknown queue', async () => {
    const tenant = await t.makeTenant();
    const admin = await world.member(tenant.id, 'member', { platformAdmin: true });
    await failedJob(tenant.id, 'flaky-page-a');
    await failedJob(tenant.id, 'flaky-page-b');

    const slowOnly = await t.inject({ method: 'GET', url: `/api/v1/admin/jobs/failed?queue=${SLOW_QUEUE}`, headers: admin.headers });
    expect(slowOnly.json()).toEqual({ data: [], nextCursor: null });

    const first = (await t.inject({ method: 'GET', url: `/api/v1/admin/jobs/failed?queue=${FLAKY_QUEUE}&limit=1`, headers: admin.headers })).json<{
      data: Array<{ id: string }>;
      nextCursor: string;
    }>();
    const second = (
      await t.inject({ method: 'GET', url: `/api/v1/admin/jobs/failed?queue=${FLAKY_QUEUE}&limit=1&cursor=${first.nextCursor}`, headers: admin.headers })
    ).json<{ data: Array<{ id: string }> }>();
    expect(first.data).toHaveLength(1);
    expect(second.data).toHaveLength(1);
    expect(second.data[0]!.id).not.toBe(first.data[0]!.id);

    expectProblem(await t.inject({ method: 'GET', url: '/api/v1/admin/jobs/failed?queue=nope', headers: admin.headers }), 404, 'queue_not_found');
  });

  it('retries a failed job once its cause is fixed, audited in the job’s tenant', async () => {
    const tenant = await t.makeTenant();
    const admin = await world.member(tenant.id, 'member', { platformAdmin: true });
    await failedJob(tenant.id, 'flaky-retry');
    seen.flakyFails = false; // the cause is fixed

    const res = await t.inject({ method: 'POST', url: `/api/v1/admin/jobs/${FLAKY_QUEUE}/flaky-retry/retry`, headers: admin.headers });

    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ queue: FLAKY_QUEUE, id: 'flaky-retry' });
    await waitFor(() => jobState(t.app.get(TestQueues).flaky, 'flaky-retry'), (state) => state === 'completed', 10_000, 'the retried job');
    expect(await world.audit(tenant.id, 'admin.job_retried')).toEqual([
      expect.objectContaining({ actor_type: 'platform_admin', data: { name: 'send-report' } }),
    ]);
    const again = await t.inject({ method: 'POST', url: `/api/v1/admin/jobs/${FLAKY_QUEUE}/flaky-retry/retry`, headers: admin.headers });
    expectProblem(again, 409, 'job_not_failed');
    expectProblem(await t.inject({ method: 'POST', url: `/api/v1/admin/jobs/${FLAKY_QUEUE}/no-such-job/retry`, headers: admin.headers }), 404, 'job_not_found');
  });

  it('is for platform admins only, whatever their tenant role', async () => {
    const tenant = await t.makeTenant();
    const owner = await world.member(tenant.id, 'owner');

    expectProblem(await t.inject({ method: 'GET', url: '/api/v1/admin/jobs/failed', headers: owner.headers }), 403, 'platform_admin_required');
    expectProblem(await t.inject({ method: 'POST', url: `/api/v1/admin/jobs/${FLAKY_QUEUE}/x/retry`, headers: owner.headers }), 403, 'platform_admin_required');
  });
});
