import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TrafficMeter } from '../../src/modules/usage/traffic/traffic-meter.js';
import { bearer, createTestApp, type TestApp, type TestMember } from '../support/http-app.js';

const METRICS_PORT = 3801;

let t: TestApp;
let admin: TestMember;

const scrape = async (): Promise<string> => {
  const res = await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
};

beforeAll(async () => {
  t = await createTestApp({ env: { METRICS_PORT: String(METRICS_PORT), METRICS_HOST: '127.0.0.1' } });
  const tenant = await t.makeTenant();
  admin = await t.makeMember(tenant.id, 'admin');
});

afterAll(async () => {
  await t?.close();
});

describe('where metrics are served', () => {
  it('not on the public port', async () => {
    for (const url of ['/metrics', '/api/v1/metrics']) {
      const res = await t.inject({ method: 'GET', url });
      expect({ url, status: res.statusCode }).toEqual({ url, status: 404 });
    }
  });

  it('on METRICS_PORT, in the Prometheus text format, and nothing else there', async () => {
    const res = await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(await res.text()).toContain('# TYPE http_request_duration_seconds histogram');
    expect((await fetch(`http://127.0.0.1:${METRICS_PORT}/`)).status).toBe(404);
  });

  it('a second process on the same METRICS_PORT refuses to start, naming the setting', async () => {
    await expect(createTestApp({ env: { METRICS_PORT: String(METRICS_PORT), METRICS_HOST: '127.0.0.1' } })).rejects.toThrow(/METRICS_PORT 3801 is already in use/);
  });
});

describe('the HTTP metrics', () => {
  it('label the route template, never the raw URL, and the tenant once it has traffic', async () => {
    for (let i = 0; i < 25; i += 1) expect((await t.inject({ method: 'GET', url: '/api/v1/usage', headers: admin.auth })).statusCode).toBe(200);
    const missing = randomUUID();
    await t.inject({ method: 'GET', url: `/api/v1/audit-events?limit=1&cursor=${missing}`, headers: admin.auth });
    await t.inject({ method: 'GET', url: `/api/v1/no-such-route/${missing}` });

    const text = await scrape();
    expect(text).toMatch(new RegExp(`http_request_duration_seconds_count\\{method="GET",route="/api/v1/usage",status_class="2xx",tenant="${admin.tenantId}"\\} \\d+`));
    expect(text).toContain('route="/api/v1/audit-events"');
    expect(text).toContain('route="unmatched"');
    expect(text).not.toContain(missing);
  });

  it('label a tenant on a paid plan from its first request, read from the rate limiter\'s plan lookup', async () => {
    const paid = await t.makeTenant();
    await t.owner.query(`update tenants set plan = 'pro' where id = $1`, [paid.id]);
    const member = await t.makeMember(paid.id, 'member');
    const free = await t.makeMember((await t.makeTenant()).id, 'member');
    for (const who of [member, free]) expect((await t.inject({ method: 'GET', url: '/api/v1/me', headers: who.auth })).statusCode).toBe(200);

    const text = await scrape();
    expect(text).toMatch(new RegExp(`http_request_duration_seconds_count\\{method="GET",route="/api/v1/me",status_class="2xx",tenant="${paid.id}"\\} 1\n`));
    expect(text).not.toContain(free.tenantId);
  });

  it('report the database pools and the RLS self-check', async () => {
    // A write, so that a unit of work has committed (reads such as GET /usage are single statements).
    const created = await t.inject({ method: 'POST', url: '/api/v1/api-keys', headers: bearer(admin.token), payload: { name: 'unit of work', scopes: ['usage:read'] } });
    expect(created.statusCode).toBe(201);
    const text = await scrape();
    expect(text).toMatch(/db_pool_connections\{pool="tenant",state="total"\} \d+/);
    expect(text).toMatch(/db_pool_connections\{pool="platform",state="waiting"\} \d+/);
    expect(text).toMatch(/db_rls_self_check_ok 1/);
    expect(text).toMatch(/db_unit_of_work_duration_seconds_count\{outcome="committed"\} \d+/);
    expect(text).toMatch(/redis_command_duration_seconds_count\{command="\w+",outcome="ok"\} \d+/);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });
});

describe('GET /api/v1/usage/traffic', () => {
  it("gives the tenant its own volume, error rate and p95 per day and per API key, from the rollup", async () => {
    const created = await t.inject({ method: 'POST', url: '/api/v1/api-keys', headers: bearer(admin.token), payload: { name: 'metrics', scopes: ['usage:read'] } });
    expect(created.statusCode).toBe(201);
    const { id: keyId, key, prefix } = created.json<{ id: string; key: string; prefix: string }>();
    for (let i = 0; i < 3; i += 1) expect((await t.inject({ method: 'GET', url: '/api/v1/usage', headers: { 'x-api-key': key } })).statusCode).toBe(200);
    expect((await t.inject({ method: 'GET', url: '/api/v1/usage/traffic?days=999', headers: { 'x-api-key': key } })).statusCode).toBe(400);
    await t.app.get(TrafficMeter).flush();

    const res = await t.inject({ method: 'GET', url: '/api/v1/usage/traffic?days=7', headers: admin.auth });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ daily: Array<{ requests: number; errorRate: number; p95LatencyMs: number | null }>; apiKeys: Array<{ apiKeyId: string | null; name: string | null; prefix: string | null; requests: number; errorRate: number; daily: Array<{ clientErrorRate: number }> }> }>();
    expect(body.daily).toHaveLength(1);
    expect(body.daily[0]!.requests).toBeGreaterThanOrEqual(30);
    expect(body.daily[0]!.p95LatencyMs).not.toBeNull();
    const viaKey = body.apiKeys.find((k) => k.apiKeyId === keyId);
    expect(viaKey).toMatchObject({ name: 'metrics', prefix, requests: 4, errorRate: 0, daily: [{ clientErrorRate: 0.25 }] });
    expect(body.apiKeys.find((k) => k.apiKeyId === null)).toMatchObject({ name: null, prefix: null });
    expect(body.apiKeys.find((k) => k.apiKeyId === null)!.requests).toBeGreaterThanOrEqual(26);

    // Another tenant sees none of it (RLS).
    const other = await t.makeMember((await t.makeTenant()).id, 'admin');
    const theirs = await t.inject({ method: 'GET', url: '/api/v1/usage/traffic', headers: other.auth });
    expect(theirs.json<{ daily: unknown[] }>().daily).toEqual([]);
  });

  it('refuses an out-of-range window', async () => {
    expect((await t.inject({ method: 'GET', url: '/api/v1/usage/traffic?days=365', headers: admin.auth })).statusCode).toBe(400);
  });
});
