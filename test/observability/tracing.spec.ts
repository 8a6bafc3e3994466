import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Queue } from 'bullmq';
import { CONVERSATION_TITLE_QUEUE, conversationTitleJobId } from '../../src/modules/chat/jobs/conversation-title.jobs.js';
import { activeTraceIds, startTracing, stopTracing } from '../../src/platform/observability/tracing.js';
import { AppQueues } from '../../src/platform/queue/app-queues.js';
import { waitFor } from '../e2e/billing-helpers.js';
import { FAKE_PROVIDER_ENV, type FakeOpenAi, startFakeOpenAi } from '../support/fake-openai.js';
import { createTestApp, type TestApp, type TestMember } from '../support/http-app.js';

/**
 * Tracing, end to end, with an in-memory exporter: a chat message's request is one trace from the
 * HTTP span through the controller, the units of work and every SQL statement, all carrying the
 * tenant; the conversation-title job it enqueues continues the same trace in the worker.
 */

const exporter = new InMemorySpanExporter();
let t: TestApp;
let fake: FakeOpenAi;
let queue: Queue;
let admin: TestMember;

beforeAll(async () => {
  startTracing({ serviceName: 'tenantry-test', exporter });
  fake = await startFakeOpenAi();
  t = await createTestApp({ env: { ...FAKE_PROVIDER_ENV, PROVIDER_MAX_RETRIES: '0' } });
  queue = t.app.get(AppQueues, { strict: false }).get(CONVERSATION_TITLE_QUEUE)!;
  const tenant = await t.makeTenant();
  admin = await t.makeMember(tenant.id, 'admin');
  const settings = { provider: 'openai_compatible', model: 'gpt-test', baseUrl: fake.baseUrl, maxTokens: 50, autoTitles: true };
  expect((await t.inject({ method: 'PATCH', url: '/api/v1/assistant', headers: admin.auth, payload: settings })).statusCode).toBe(200);
});

afterAll(async () => {
  await t?.close();
  await fake?.close();
  await stopTracing();
});

const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

/** The chain of span names from `span` up to its trace's root. */
function ancestry(span: ReadableSpan, all: readonly ReadableSpan[]): string[] {
  const byId = new Map(all.map((s) => [s.spanContext().spanId, s]));
  const names: string[] = [];
  for (let s: ReadableSpan | undefined = span; s; s = byId.get(parentOf(s) ?? '')) names.push(s.name);
  return names;
}

describe('a chat message', () => {
  it('is one trace: HTTP (named by its route and handler) → unit of work → SQL, with the tenant and request id; its job continues the trace', async () => {
    const conversation = (await t.inject({ method: 'POST', url: '/api/v1/conversations', headers: admin.auth })).json<{ id: string }>().id;
    exporter.reset();
    const res = await t.inject({
      method: 'POST',
      url: `/api/v1/conversations/${conversation}/messages`,
      headers: { ...admin.auth, 'x-request-id': 'trace-test-1' },
      payload: { content: 'hello, tracing' },
    });
    expect(res.statusCode).toBe(200);
    const jobId = conversationTitleJobId(admin.tenantId, conversation);
    await waitFor(async () => (await (await queue.getJob(jobId))?.getState()) ?? 'missing', (s) => s === 'completed', 20_000, 'title job');
    await new Promise((resolve) => setTimeout(resolve, 200)); // the worker's span ends after the job's completion is stored

    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.attributes['url.path'] === `/api/v1/conversations/${conversation}/messages`);
    expect(server).toBeDefined();
    // The route template, never the URL, names the span; the handler is an attribute, not a span.
    expect(server!.name).toBe('POST /api/v1/conversations/:id/messages');
    expect(server!.attributes).toMatchObject({
      'tenant.id': admin.tenantId,
      'request.id': 'trace-test-1',
      'http.response.status_code': 200,
      'http.route': '/api/v1/conversations/:id/messages',
      'code.function.name': 'ConversationsController.post',
    });
    const traceId = server!.spanContext().traceId;
    const inTrace = spans.filter((s) => s.spanContext().traceId === traceId);

    const sql = inTrace.filter((s) => s.name === 'pg.query' && ancestry(s, inTrace).includes('db.unit_of_work'));
    expect(sql.length).toBeGreaterThan(0);
    for (const statement of sql) {
      expect(statement.attributes['tenant.id']).toBe(admin.tenantId);
      expect(ancestry(statement, inTrace)).toEqual(expect.arrayContaining(['db.unit_of_work', server!.name]));
    }
    const provider = inTrace.find((s) => s.name.startsWith('chat.provider'));
    expect(provider && ancestry(provider, inTrace)).toContain(server!.name);

    // The job: BullMQ's process span continues the request's trace (context carried in the job).
    const processSpan = spans.find((s) => s.name === `process ${CONVERSATION_TITLE_QUEUE}`);
    expect(processSpan).toBeDefined();
    expect(processSpan!.spanContext().traceId).toBe(traceId);
    // ... and the job's own SQL carries the tenant too.
    const jobSql = inTrace.filter((s) => s.name === 'pg.query' && ancestry(s, inTrace).includes(processSpan!.name));
    expect(jobSql.length).toBeGreaterThan(0);
    expect(jobSql.every((s) => s.attributes['tenant.id'] === admin.tenantId)).toBe(true);
  });
});

describe('log lines', () => {
  it('carry the trace and span id of the active span (the pino mixin)', () => {
    expect(activeTraceIds()).toBeUndefined();
    trace.getTracer('test').startActiveSpan('outer', (span) => {
      expect(activeTraceIds()).toEqual({ trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId });
      span.end();
    });
  });
});
