import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { InMemorySpanExporter, SamplingDecision } from '@opentelemetry/sdk-trace-base';
import { ConfigError, loadConfig } from '../../src/platform/config/config.js';
import { samplerOf } from '../../src/platform/observability/trace-sampler.js';
import { startTracing, stopTracing } from '../../src/platform/observability/tracing.js';
import { createTestApp, type TestApp, type TestMember } from '../support/http-app.js';
import { testEnv } from '../support/database.js';

/**
 * OTEL_TRACES_SAMPLER=parentbased_traceidratio, as production runs it: a request that starts a
 * trace here is kept at the ratio (0 here: never), and then costs no child span at all; a request
 * whose caller sampled its trace (traceparent flag 01) is traced whole, whatever the ratio.
 */
const exporter = new InMemorySpanExporter();
let t: TestApp;
let admin: TestMember;

beforeAll(async () => {
  startTracing({ serviceName: 'tenantry-test', exporter, sampler: samplerOf('parentbased_traceidratio', 0) });
  t = await createTestApp();
  admin = await t.makeMember((await t.makeTenant()).id, 'admin');
});

afterAll(async () => {
  await t?.close();
  await stopTracing();
});

describe('parent-based ratio sampling', () => {
  it('makes no span at all for a request outside the ratio, SQL and Redis included', async () => {
    exporter.reset();
    expect((await t.inject({ method: 'GET', url: '/api/v1/usage', headers: admin.auth })).statusCode).toBe(200);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual([]);
  });

  it('traces a request whose caller sampled its trace, from the HTTP span to each SQL statement', async () => {
    exporter.reset();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const headers = { ...admin.auth, traceparent: `00-${traceId}-00f067aa0ba902b7-01` };
    expect((await t.inject({ method: 'GET', url: '/api/v1/usage', headers })).statusCode).toBe(200);
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.kind === SpanKind.SERVER);
    expect(server).toMatchObject({ name: 'GET /api/v1/usage' });
    expect(server!.spanContext().traceId).toBe(traceId);
    expect(spans.filter((s) => s.name === 'pg.query').length).toBeGreaterThan(0);
    expect(spans.every((s) => s.spanContext().traceId === traceId)).toBe(true);
  });
});

describe('the sampler of OTEL_TRACES_SAMPLER', () => {
  const sampledParent = trace.setSpanContext(ROOT_CONTEXT, { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED, isRemote: true });
  const decide = (sampler: ReturnType<typeof samplerOf>, traceId: string, ctx = ROOT_CONTEXT) => sampler.shouldSample(ctx, traceId, 'GET', SpanKind.SERVER, {}, []).decision;

  it('keeps about the ratio of new traces, decided by the trace id, and every trace sampled upstream', () => {
    const sampler = samplerOf('parentbased_traceidratio', 0.1);
    // Trace ids spread evenly over the id space (the same on every run), as random ones are.
    const ids = Array.from({ length: 1000 }, (_, i) => (BigInt(i) * (2n ** 64n / 1000n) + 12345n).toString(16).padStart(32, '0'));
    const kept = ids.filter((id) => decide(sampler, id) === SamplingDecision.RECORD_AND_SAMPLED);
    expect(kept.length).toBeGreaterThanOrEqual(90);
    expect(kept.length).toBeLessThanOrEqual(110);
    // The decision is the trace id's: every service of a trace decides alike.
    expect(kept.every((id) => decide(samplerOf('parentbased_traceidratio', 0.1), id) === SamplingDecision.RECORD_AND_SAMPLED)).toBe(true);
    const dropped = ids.find((id) => !kept.includes(id))!;
    expect(decide(sampler, dropped, sampledParent)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });

  it('defaults to every trace, and honours always_off', () => {
    expect(decide(samplerOf(undefined, undefined), 'f'.repeat(32))).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide(samplerOf('always_off', undefined), '1'.repeat(32), sampledParent)).toBe(SamplingDecision.NOT_RECORD);
  });

  it('refuses to start on a sampler name or ratio it does not know, naming the variable', () => {
    const base = testEnv(t.database);
    expect(() => loadConfig({ ...base, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' })).not.toThrow();
    expect(() => loadConfig({ ...base, OTEL_TRACES_SAMPLER: 'sometimes' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, OTEL_TRACES_SAMPLER: 'sometimes' })).toThrow(/OTEL_TRACES_SAMPLER/);
    expect(() => loadConfig({ ...base, OTEL_TRACES_SAMPLER_ARG: '1.5' })).toThrow(/OTEL_TRACES_SAMPLER_ARG/);
  });
});
