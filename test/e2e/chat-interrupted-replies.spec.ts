import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getQueueToken } from '@nestjs/bullmq';
import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import { INTERRUPTED_REPLY, INTERRUPTED_REPLY_MARGIN_MS } from '../../src/modules/chat/conversations/interrupted-replies.service.js';
import { FailInterruptedRepliesJob } from '../../src/modules/chat/jobs/fail-interrupted-replies.job.js';
import {
  FAIL_INTERRUPTED_REPLIES_JOB,
  INTERRUPTED_REPLIES_QUEUE,
  INTERRUPTED_REPLIES_SCHEDULER_ID,
  INTERRUPTED_REPLIES_SWEEP_EVERY_MS,
  INTERRUPTED_REPLIES_SWEEP_JOB,
} from '../../src/modules/chat/jobs/interrupted-replies.jobs.js';
import { FAKE_PROVIDER_ENV, type FakeOpenAi, startFakeOpenAi } from '../support/fake-openai.js';
import { createTestApp, type TestApp, type TestMember } from '../support/http-app.js';
import { waitFor } from './billing-helpers.js';

/**
 * Replies whose process died stay pending for ever unless something fails them: a sweep, every
 * minute, finds the tenants with replies still pending CHAT_REPLY_DEADLINE_MS + a margin after they
 * began (platform role, read only) and enqueues one job per tenant, which marks them failed,
 * "interrupted", in the tenant's context. This process runs the workers, so those jobs go through
 * Redis for real. The deadline is the default, 5 minutes.
 */

let t: TestApp;
let fake: FakeOpenAi;
let queue: Queue;
let processor: FailInterruptedRepliesJob;
let deadlineMs: number;

beforeAll(async () => {
  fake = await startFakeOpenAi();
  t = await createTestApp({ env: FAKE_PROVIDER_ENV });
  queue = t.app.get<Queue>(getQueueToken(INTERRUPTED_REPLIES_QUEUE));
  processor = t.app.get(FailInterruptedRepliesJob);
  deadlineMs = t.config.env.CHAT_REPLY_DEADLINE_MS;
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});

async function member(assistant: Record<string, unknown> = { model: 'mock-2', welcomeMessage: 'Hi.' }): Promise<{ tenantId: string; admin: TestMember }> {
  const tenant = await t.makeTenant();
  const admin = await t.makeMember(tenant.id, 'admin');
  expect((await t.inject({ method: 'PATCH', url: '/api/v1/assistant', headers: admin.auth, payload: assistant })).statusCode).toBe(200);
  return { tenantId: tenant.id, admin };
}

const start = async (who: TestMember): Promise<string> =>
  (await t.inject({ method: 'POST', url: '/api/v1/conversations', headers: who.auth })).json<{ id: string }>().id;

const post = (who: TestMember, id: string, content: string) =>
  t.inject({ method: 'POST', url: `/api/v1/conversations/${id}/messages`, headers: who.auth, payload: { content } });

/**
 * What a process that died mid-reply leaves behind, `agoMs` ago: the question, complete, and the
 * reply, pending (ChatService's first unit of work). Returns the reply's id.
 */
async function abandonedReply(tenantId: string, conversationId: string, agoMs: number): Promise<string> {
  const replyId = randomUUID();
  await t.owner.query(
    `insert into messages (tenant_id, id, conversation_id, role, content, status, model, created_at) values
       ($1, gen_random_uuid(), $2, 'user', 'are you there?', 'complete', null, now() - make_interval(secs => $4::float8 / 1000)),
       ($1, $3, $2, 'assistant', '', 'pending', 'mock-2', now() - make_interval(secs => ($4::float8 - 1) / 1000))`,
    [tenantId, conversationId, replyId, agoMs],
  );
  return replyId;
}

const messageRow = async (id: string) =>
  (await t.owner.query<{ status: string; error: string | null }>('select status, error from messages where id = $1', [id])).rows[0];

async function failJobsOf(tenantId: string): Promise<Job[]> {
  const jobs = await queue.getJobs(['waiting', 'prioritized', 'active', 'completed', 'failed', 'delayed']);
  return jobs.filter((j) => j.name === FAIL_INTERRUPTED_REPLIES_JOB && (j.data as { tenantId?: string }).tenantId === tenantId);
}

const fakeJob = (name: string, data: unknown) => ({ id: `test-${name}`, name, queueName: INTERRUPTED_REPLIES_QUEUE, data }) as unknown as Job;

describe('the interrupted-replies sweep', () => {
  it('is scheduled every minute, once per deployment (a deterministic scheduler id)', async () => {
    const scheduler = await waitFor(() => queue.getJobScheduler(INTERRUPTED_REPLIES_SCHEDULER_ID), (s) => s !== undefined, 10_000, 'the sweep scheduler');

    expect(scheduler).toMatchObject({ name: INTERRUPTED_REPLIES_SWEEP_JOB, every: INTERRUPTED_REPLIES_SWEEP_EVERY_MS });
  });

  // The scheduler also runs a sweep when the app starts; it may be the one that fails this reply
  // (same job id within the minute): the outcome is the same either way.
  it('fails a reply left pending by a dead process, in its tenant; the conversation then goes on', async () => {
    const { tenantId, admin } = await member();
    const idle = await member();
    const conversationId = await start(admin);
    const stuck = await abandonedReply(tenantId, conversationId, deadlineMs + INTERRUPTED_REPLY_MARGIN_MS + 5_000);

    const sweep = (await processor.process(fakeJob(INTERRUPTED_REPLIES_SWEEP_JOB, {}))) as { enqueued: number };

    expect(sweep.enqueued).toBeGreaterThanOrEqual(1);
    expect(await failJobsOf(idle.tenantId)).toEqual([]);
    const [job] = await waitFor(
      () => failJobsOf(tenantId),
      (jobs) => jobs.length > 0 && jobs.every((j) => j.finishedOn !== undefined),
      15_000,
      'the tenant job to run',
    );
    expect(await job!.getState()).toBe('completed');
    expect(job!.returnvalue).toEqual({ failed: 1 });
    expect(await messageRow(stuck)).toEqual({ status: 'failed', error: INTERRUPTED_REPLY });

    const next = await post(admin, conversationId, 'hello again');

    expect(next.statusCode).toBe(200);
    expect(next.json<{ reply: string }>().reply).toBe('Hi. [GLOBEX MOCK] Echo: HELLO AGAIN');
    const messages = (await t.inject({ method: 'GET', url: `/api/v1/conversations/${conversationId}/messages`, headers: admin.auth })).json<{
      data: Array<{ role: string; status: string; error: string | null }>;
    }>().data;
    expect(messages.map((m) => [m.role, m.status, m.error])).toEqual([
      ['user', 'complete', null],
      ['assistant', 'failed', INTERRUPTED_REPLY],
      ['user', 'complete', null],
      ['assistant', 'complete', null],
    ]);
  });

  it('leaves a live reply alone, and one past its deadline but within the margin (its process may still store it)', async () => {
    const { tenantId, admin } = await member({ provider: 'openai_compatible', model: 'm', baseUrl: fake.baseUrl });
    const conversationId = await start(admin);
    const recent = await abandonedReply(tenantId, conversationId, deadlineMs + INTERRUPTED_REPLY_MARGIN_MS / 2);
    let answer!: () => void;
    fake.enqueue({ kind: 'ok', text: 'Worth the wait.', gate: new Promise<void>((resolve) => (answer = resolve)) });
    const requestsBefore = fake.requests.length;
    const live = post(admin, conversationId, 'take your time');
    await waitFor(async () => fake.requests.length, (n) => n > requestsBefore, 10_000, 'the provider call to start');
    const { rows } = await t.owner.query<{ id: string }>(
      "select id from messages where conversation_id = $1 and status = 'pending' and id <> $2",
      [conversationId, recent],
    );
    expect(rows).toHaveLength(1);
    const inFlight = rows[0]!.id;

    await processor.process(fakeJob(INTERRUPTED_REPLIES_SWEEP_JOB, {}));
    const direct = await processor.process(fakeJob(FAIL_INTERRUPTED_REPLIES_JOB, { tenantId }));

    expect(await failJobsOf(tenantId)).toEqual([]);
    expect(direct).toEqual({ failed: 0 });
    expect(await messageRow(inFlight)).toEqual({ status: 'pending', error: null });
    expect(await messageRow(recent)).toEqual({ status: 'pending', error: null });

    answer();
    const res = await live;
    expect(res.statusCode).toBe(200);
    expect(await messageRow(inFlight)).toEqual({ status: 'complete', error: null });
  });

  it('running the tenant job again fails nothing more, and leaves other tenants alone', async () => {
    const a = await member();
    const b = await member();
    const stuckA = await abandonedReply(a.tenantId, await start(a.admin), deadlineMs + INTERRUPTED_REPLY_MARGIN_MS + 1_000);
    const stuckB = await abandonedReply(b.tenantId, await start(b.admin), deadlineMs + INTERRUPTED_REPLY_MARGIN_MS + 1_000);

    expect(await processor.process(fakeJob(FAIL_INTERRUPTED_REPLIES_JOB, { tenantId: a.tenantId }))).toEqual({ failed: 1 });
    expect(await processor.process(fakeJob(FAIL_INTERRUPTED_REPLIES_JOB, { tenantId: a.tenantId }))).toEqual({ failed: 0 });

    expect(await messageRow(stuckA)).toEqual({ status: 'failed', error: INTERRUPTED_REPLY });
    expect(await messageRow(stuckB)).toEqual({ status: 'pending', error: null });
  });

  it('fails for good on an invalid payload (no retries)', async () => {
    await expect(processor.process(fakeJob(FAIL_INTERRUPTED_REPLIES_JOB, { tenantId: 'not-a-uuid' }))).rejects.toBeInstanceOf(UnrecoverableError);
  });
});
