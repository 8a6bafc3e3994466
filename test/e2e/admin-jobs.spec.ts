import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BullModule, InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Module } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { createTestApp, expectProblem, type TestApp } from '../support/http-app.js';
import { BillingWorld, type Member, waitFor } from './billing-helpers.js';

/**
 * The platform console's jobs page, through the API: every queue with its counts, failed jobs with
 * their error, stack and attempts, and "retry all" of a queue once the cause is fixed. Real Redis
 * and BullMQ; the failing job is a test processor whose cause the test fixes.
 */

const QUEUE = 'admin-jobs-test-mailer';
const OTHER_QUEUE = 'admin-jobs-test-other';
const cause = { broken: true };

class SmtpRefused extends Error {
  override name = 'SmtpRefused';
}

@Processor(QUEUE)
class MailerJob extends WorkerHost {
  async process(): Promise<string> {
    if (cause.broken) throw new SmtpRefused('550 relay not permitted');
    return 'sent';
  }
}

@Processor(OTHER_QUEUE)
class OtherJob extends WorkerHost {
  async process(): Promise<string> {
    throw new Error('this queue always fails');
  }
}

@Injectable()
class TestQueues {
  constructor(
    @InjectQueue(QUEUE) readonly mailer: Queue,
    @InjectQueue(OTHER_QUEUE) readonly other: Queue,
  ) {}
}

@Module({ imports: [BullModule.registerQueue({ name: QUEUE }, { name: OTHER_QUEUE })], providers: [MailerJob, OtherJob, TestQueues] })
class TestJobsModule {}

let t: TestApp;
let world: BillingWorld;
let admin: Member;
let queues: TestQueues;

beforeAll(async () => {
  t = await createTestApp({ imports: [TestJobsModule] }); // this process runs the processors
  world = new BillingWorld(t);
  admin = await world.member((await t.makeTenant()).id, 'member', { platformAdmin: true });
  queues = t.app.get(TestQueues);
});

afterAll(async () => {
  await world?.close();
  await t?.close();
});

async function failedJob(queue: Queue, tenantId: string | null, jobId: string): Promise<void> {
  await queue.add('send-invoice', tenantId ? { tenantId } : {}, { jobId, attempts: 2, backoff: { type: 'fixed', delay: 10 } });
  await waitFor(async () => (await queue.getJob(jobId))?.getState(), (state) => state === 'failed', 10_000, `job ${jobId} to fail`);
}

const get = (url: string, member = admin) => t.inject({ method: 'GET', url, headers: member.headers });
const post = (url: string, member = admin) => t.inject({ method: 'POST', url, headers: member.headers });

interface FailedJob {
  id: string;
  failedReason: string;
  stacktrace: string[];
  attemptsMade: number;
  attemptsAllowed: number;
}

describe('failed jobs in the console', () => {
  it('show the error, the first lines of its stack, and the attempts made of those allowed', async () => {
    cause.broken = true;
    const tenant = await t.makeTenant();
    await failedJob(queues.mailer, tenant.id, 'stack-1');

    const res = await get(`/api/v1/admin/jobs/failed?queue=${QUEUE}`);

    expect(res.statusCode).toBe(200);
    const job = res.json<{ data: FailedJob[] }>().data.find((j) => j.id === 'stack-1')!;
    expect(job).toMatchObject({ failedReason: '550 relay not permitted', attemptsMade: 2, attemptsAllowed: 2, tenantId: tenant.id });
    expect(job.stacktrace[0]).toBe('SmtpRefused: 550 relay not permitted');
    expect(job.stacktrace.length).toBeGreaterThan(1);
    expect(job.stacktrace.length).toBeLessThanOrEqual(8);
    expect(job.stacktrace[1]).toMatch(/^\s+at /);
  });

  it('GET /admin/jobs/queues lists every queue of the application with its jobs by state', async () => {
    await failedJob(queues.other, null, 'other-1');

    const res = await get('/api/v1/admin/jobs/queues');

    expect(res.statusCode).toBe(200);
    const data = res.json<{ data: Array<{ queue: string; failed: number }> }>().data;
    expect(data.map((q) => q.queue)).toEqual(expect.arrayContaining([QUEUE, OTHER_QUEUE, 'billing-stripe-events', 'mail']));
    expect(data.map((q) => q.queue)).toEqual([...data.map((q) => q.queue)].sort((a, b) => a.localeCompare(b)));
    expect(data.find((q) => q.queue === OTHER_QUEUE)).toEqual({ queue: OTHER_QUEUE, failed: 1, waiting: 0, active: 0, delayed: 0 });
  });
});

describe('POST /api/v1/admin/jobs/{queue}/retry (retry all)', () => {
  it('retries every failed job of the queue once the cause is fixed, and audits it in each tenant', async () => {
    cause.broken = true;
    const [a, b] = [await t.makeTenant(), await t.makeTenant()];
    await failedJob(queues.mailer, a.id, 'all-a1');
    await failedJob(queues.mailer, a.id, 'all-a2');
    await failedJob(queues.mailer, b.id, 'all-b1');
    await failedJob(queues.mailer, null, 'all-platform');
    const before = (await get(`/api/v1/admin/jobs/queues`)).json<{ data: Array<{ queue: string; failed: number }> }>().data;
    const failedBefore = before.find((q) => q.queue === QUEUE)!.failed;
    const otherBefore = before.find((q) => q.queue === OTHER_QUEUE)!.failed;
    cause.broken = false; // the mail server is fixed

    const res = await post(`/api/v1/admin/jobs/${QUEUE}/retry`);

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ queue: QUEUE, retried: failedBefore, remaining: 0 });
    for (const id of ['all-a1', 'all-a2', 'all-b1', 'all-platform']) {
      await waitFor(async () => (await queues.mailer.getJob(id))?.getState(), (state) => state === 'completed', 10_000, `job ${id} to complete`);
    }
    expect((await get(`/api/v1/admin/jobs/failed?queue=${QUEUE}`)).json()).toEqual({ data: [], nextCursor: null });
    expect(await queues.other.getFailedCount()).toBe(otherBefore); // other queues untouched
    expect(await world.audit(a.id, 'admin.jobs_retried')).toEqual([
      expect.objectContaining({ actor_type: 'platform_admin', data: { count: 2, jobIds: expect.arrayContaining(['all-a1', 'all-a2']) } }),
    ]);
    expect(await world.audit(b.id, 'admin.jobs_retried')).toEqual([expect.objectContaining({ data: { count: 1, jobIds: ['all-b1'] } })]);
  });

  it('with nothing failed, retries nothing; an unknown queue is 404', async () => {
    cause.broken = false;
    await waitFor(() => queues.mailer.getFailedCount(), (n) => n === 0, 10_000, 'no failed job left');

    expect((await post(`/api/v1/admin/jobs/${QUEUE}/retry`)).json()).toEqual({ queue: QUEUE, retried: 0, remaining: 0 });
    expectProblem(await post('/api/v1/admin/jobs/no-such-queue/retry'), 404, 'queue_not_found');
    expectProblem(await post('/api/v1/admin/jobs/bad%20name/retry'), 400, 'validation_failed');
  });

  it('is for platform admins only: a tenant owner gets 403 on every jobs route', async () => {
    const owner = await world.member((await t.makeTenant()).id, 'owner');

    expectProblem(await get('/api/v1/admin/jobs/queues', owner), 403, 'platform_admin_required');
    expectProblem(await post(`/api/v1/admin/jobs/${QUEUE}/retry`, owner), 403, 'platform_admin_required');
    expectProblem(await get('/api/v1/admin/jobs/failed', owner), 403, 'platform_admin_required');
  });
});
