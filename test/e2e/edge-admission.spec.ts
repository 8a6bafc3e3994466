import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { LightMyRequestResponse } from 'fastify';
import type { Command } from 'ioredis';
import { TenantAuthGuard } from '../../src/platform/security/auth.guard.js';
import { RedisClient } from '../../src/platform/redis/redis.module.js';
import { createTestApp, expectProblem, type TestApp, type TestMember, type TestTenant } from '../support/http-app.js';

/**
 * EdgeAdmission (docs/adr/0018, decision 20): an authenticated request makes ONE Redis round trip
 * (the cache epochs and the tenant's limit in one script), and a request over its tenant's limit
 * is refused before Nest's pipeline, with the same answer as the throttler's. Counted on the wire
 * (the commands the application's Redis client sends), not estimated.
 */

let t: TestApp;
const IP_LIMIT = 4;
/** Redis commands sent by the application since the last `take()`, by name. */
const sent: string[] = [];
const take = () => sent.splice(0).filter((name) => ['evalsha', 'eval', 'mget', 'script'].includes(name));
let guardRuns = 0;

beforeAll(async () => {
  // The widget's per-address limit is low: each widget test below sends from its own address.
  t = await createTestApp({ env: { WIDGET_RATE_PER_IP: String(IP_LIMIT) } });
  const redis = t.app.get(RedisClient).redis;
  const sendCommand = redis.sendCommand.bind(redis);
  redis.sendCommand = (command: Command, stream?: never) => {
    sent.push(command.name.toLowerCase());
    return sendCommand(command, stream);
  };
  // A global guard (APP_GUARD) is not reachable by class: its prototype's method is counted.
  const canActivate = TenantAuthGuard.prototype.canActivate;
  TenantAuthGuard.prototype.canActivate = function (this: TenantAuthGuard, context) {
    guardRuns++;
    return canActivate.call(this, context);
  };
}, 60_000);

afterAll(async () => {
  await t?.close();
});

async function limitedMember(apiPerMinute: number): Promise<TestMember> {
  const tenant = await t.makeTenant();
  await t.owner.query('update tenants set limit_overrides = $2 where id = $1', [tenant.id, { api_per_minute: apiPerMinute }]);
  return t.makeMember(tenant.id, 'member');
}

const get = (url: string, member: TestMember) => t.inject({ method: 'GET', url, headers: member.auth });

/**
 * The headers a refusal must carry, whoever answers it: not the request's own id, nor Retry-After
 * and RateLimit-Reset, which count down between two answers.
 */
function refusalHeaders(res: LightMyRequestResponse): Record<string, unknown> {
  const {
    'x-request-id': _id,
    date: _date,
    'content-length': _length,
    connection: _connection,
    'retry-after': _retryAfter,
    'ratelimit-reset': _reset,
    ...rest
  } = res.headers;
  return rest;
}

describe('one Redis round trip per authenticated request', () => {
  it('once the route, the token, the principal and the limit are known, a request sends ONE script to Redis and no MGET', async () => {
    const member = await limitedMember(100);
    expect((await get('/api/v1/usage', member)).statusCode).toBe(200); // learns the route, caches the token, principal and limit
    take();

    const res = await get('/api/v1/usage', member);
    expect(res.statusCode).toBe(200);
    expect(take()).toEqual(['evalsha']);
    // The decision counted at the edge is the one the answer reports: the second of 100.
    expect(res.headers['ratelimit-limit']).toBe('100');
    expect(res.headers['ratelimit-remaining']).toBe('98');
  });

  it('the first request of a route goes the usual way (the epochs, then the limit: two round trips)', async () => {
    const member = await limitedMember(100);
    expect((await get('/api/v1/usage', member)).statusCode).toBe(200); // the token and limit are known now
    take();
    // GET /me is requested by no other test here: its first request learns the route.
    expect((await get('/api/v1/me', member)).statusCode).toBe(200);
    expect(take()).toEqual(['mget', 'evalsha']);
    expect((await get('/api/v1/me', member)).statusCode).toBe(200);
    expect(take()).toEqual(['evalsha']);
  });
});

describe('a request over its tenant limit is refused at the edge, as the throttler refuses it', () => {
  it('answers the same 429, body and headers, without running the guard', async () => {
    const member = await limitedMember(1);
    // A route of its own, learnt with its first request: that one is allowed, the next refused by Nest's throttler.
    expect((await get('/api/v1/conversations?limit=1', member)).statusCode).toBe(200);
    const viaNest = await get('/api/v1/tenant', member); // /tenant not learnt by this app yet: the usual path refuses it
    const guardRunsBefore = guardRuns;
    take();
    const atEdge = await get('/api/v1/conversations?limit=1', member);

    expect(take()).toEqual(['evalsha']);
    expect(guardRuns).toBe(guardRunsBefore); // Nest's pipeline did not run
    const edgeBody = expectProblem(atEdge, 429, 'rate_limited');
    const nestBody = expectProblem(viaNest, 429, 'rate_limited');
    const { instance: _a, requestId: _b, ...edgeRest } = edgeBody;
    const { instance: _c, requestId: _d, ...nestRest } = nestBody;
    expect(edgeRest).toEqual(nestRest);
    expect(edgeRest).toMatchObject({ limit: 1, throttler: 'tenant' });
    for (const res of [atEdge, viaNest]) expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    const [edgeHeaders, nestHeaders] = [refusalHeaders(atEdge), refusalHeaders(viaNest)];
    expect(edgeHeaders).toEqual(nestHeaders);
    expect(edgeHeaders).toMatchObject({ 'ratelimit-limit': '1', 'ratelimit-remaining': '0', 'cache-control': 'no-store' });
    expect(edgeHeaders['content-security-policy']).toEqual(expect.any(String));
  });

  it('does not count a request whose principal no longer holds: a removed member is answered 401, and the tenant keeps its allowance', async () => {
    const tenant = await t.makeTenant();
    await t.owner.query('update tenants set limit_overrides = $2 where id = $1', [tenant.id, { api_per_minute: 5 }]);
    const owner = await t.makeMember(tenant.id, 'owner');
    const member = await t.makeMember(tenant.id, 'member');
    expect((await get('/api/v1/usage', member)).statusCode).toBe(200); // 1 of 5; caches the member's principal
    expect((await get('/api/v1/usage', member)).statusCode).toBe(200); // 2 of 5, at the edge

    expect((await t.inject({ method: 'DELETE', url: `/api/v1/members/${member.id}`, headers: owner.auth })).statusCode).toBe(204); // 3 of 5
    for (let i = 0; i < 5; i++) expectProblem(await get('/api/v1/usage', member), 401, 'unauthenticated');

    const next = await get('/api/v1/usage', owner); // 4 of 5: the removed member's five took nothing
    expect(next.statusCode).toBe(200);
    expect(next.headers['ratelimit-remaining']).toBe('1');
  });

  it('does not count the requests of a suspended tenant (403) at the edge, and refuses nothing it should not', async () => {
    const member = await limitedMember(3);
    expect((await get('/api/v1/usage', member)).statusCode).toBe(200); // 1 of 3
    await t.owner.query("update tenants set status = 'suspended' where id = $1", [member.tenantId]);
    // A change made in SQL announces itself by the global epoch (docs/adr/0018).
    await t.app.get(RedisClient).redis.incr(`${t.config.env.QUEUE_PREFIX}:epoch:all`);
    for (let i = 0; i < 4; i++) expectProblem(await get('/api/v1/usage', member), 403, 'tenant_suspended');
    await t.owner.query("update tenants set status = 'active' where id = $1", [member.tenantId]);
    await t.app.get(RedisClient).redis.incr(`${t.config.env.QUEUE_PREFIX}:epoch:all`);
    const back = await get('/api/v1/usage', member); // 2 of 3
    expect(back.statusCode).toBe(200);
    expect(back.headers['ratelimit-remaining']).toBe('1');
  });

  it("counts only what the guard lets through: a member's 403s on a route needing a permission it lacks take nothing from the tenant", async () => {
    const member = await limitedMember(3);
    expect((await get('/api/v1/usage', member)).statusCode).toBe(200); // 1 of 3; caches the principal
    expectProblem(await get('/api/v1/audit-events', member), 403, 'forbidden'); // learns the route
    for (let i = 0; i < 5; i++) expectProblem(await get('/api/v1/audit-events', member), 403, 'forbidden');

    const next = await get('/api/v1/usage', member); // 2 of 3: the six 403s took nothing, as on the usual path
    expect(next.statusCode).toBe(200);
    expect(next.headers['ratelimit-remaining']).toBe('1');
  });

  it('a token it never verified goes the usual way: a forged one is 401, never counted or refused at the edge', async () => {
    const member = await limitedMember(1);
    expect((await get('/api/v1/usage', member)).statusCode).toBe(200);
    const forged = { authorization: `${member.auth.authorization!.slice(0, -4)}AAAA` };
    for (let i = 0; i < 3; i++) expectProblem(await t.inject({ method: 'GET', url: '/api/v1/usage', headers: forged }), 401, 'unauthenticated');
  });
});

describe('the widget: one Redis round trip per /chat, and its refusals at the edge', () => {
  async function widgetTenant(chatPer10s: number): Promise<TestTenant> {
    const tenant = await t.makeTenant();
    await t.owner.query('update tenants set limit_overrides = $2 where id = $1', [tenant.id, { chat_per_10s: chatPer10s }]);
    await t.owner.query("insert into assistant_configs (tenant_id, model, welcome_message, widget_enabled, allowed_origins) values ($1, 'mock-2', 'Hi', true, $2)", [
      tenant.id,
      ['https://shop.example'],
    ]);
    return tenant;
  }
  const widget = (url: string, payload: Record<string, unknown>, remoteAddress: string, headers: Record<string, string> = {}) =>
    t.inject({ method: 'POST', url, payload, remoteAddress, headers });
  const sessionOf = async (tenant: TestTenant, remoteAddress: string): Promise<string> => {
    const res = await widget('/session', { tenant_id: tenant.slug }, remoteAddress);
    expect(res.statusCode).toBe(200);
    return res.json<{ session_id: string }>().session_id;
  };

  it('a turn, once the slug is in memory, sends ONE script to Redis (both limits and the epochs), and answers its limit headers', async () => {
    const tenant = await widgetTenant(100);
    const session = await sessionOf(tenant, '10.77.0.1');
    const chat = () => widget('/chat', { tenant_id: tenant.slug, session_id: session, message: 'hello' }, '10.77.0.1');
    expect((await chat()).statusCode).toBe(200); // the usual way: caches the slug
    take();
    const res = await chat();
    expect(res.statusCode).toBe(200);
    expect(take()).toEqual(['evalsha']);
    expect(res.headers['ratelimit-limit']).toBe('100');
    expect(res.headers['ratelimit-remaining']).toBe('98');
  });

  it("a /chat over the tenant's chat_per_10s is refused at the edge with the usual path's answer, cross-origin headers included", async () => {
    const tenant = await widgetTenant(0);
    const session = await sessionOf(tenant, '10.77.0.2');
    const origin = { origin: 'https://shop.example' };
    const chat = () => widget('/chat', { tenant_id: tenant.slug, session_id: session, message: 'hello' }, '10.77.0.2', origin);
    const usual = await chat(); // the slug and the origin's gate are not in memory yet: the usual path refuses it
    const guardRunsBefore = guardRuns;
    take();
    const atEdge = await chat();

    expect(take()).toEqual(['evalsha']);
    expect(guardRuns).toBe(guardRunsBefore);
    for (const res of [usual, atEdge]) {
      expect(res.statusCode).toBe(429);
      expect(res.json()).toEqual({ detail: 'Rate limit exceeded' });
      expect(res.headers['access-control-allow-origin']).toBe('https://shop.example');
    }
    expect(refusalHeaders(atEdge)).toEqual(refusalHeaders(usual));
  });

  it("the widget's per-address limit is counted first: over it, the edge answers the throttler's refusal, and the tenant's limit is not counted", async () => {
    const tenant = await widgetTenant(100);
    const address = '10.77.0.3';
    const session = await sessionOf(tenant, address); // 1 of IP_LIMIT
    const chat = () => widget('/chat', { tenant_id: tenant.slug, session_id: session, message: 'hello' }, address);
    for (let i = 2; i <= IP_LIMIT; i++) expect((await chat()).statusCode).toBe(200);
    take();
    const atEdge = await chat();
    expect(take()).toEqual(['evalsha']);
    const usual = await widget('/session', { tenant_id: tenant.slug }, address); // /session has no edge: the throttler refuses it
    for (const res of [atEdge, usual]) {
      expect(res.statusCode).toBe(429);
      expect(res.json()).toEqual({ detail: 'Too many requests from this address; try again later' });
    }
    expect(refusalHeaders(atEdge)).toEqual(refusalHeaders(usual));
    // From another address, the tenant's count shows the refused request took nothing: IP_LIMIT - 1 turns so far.
    const other = await widget('/chat', { tenant_id: tenant.slug, session_id: session, message: 'hello' }, '10.77.0.4');
    expect(other.statusCode).toBe(200);
    expect(other.headers['ratelimit-remaining']).toBe(String(100 - IP_LIMIT));
  });

  it('what the edge cannot decide from memory goes the usual way, with its own answer', async () => {
    const tenant = await widgetTenant(0);
    const session = await sessionOf(tenant, '10.77.0.5');
    let address = 10;
    // Each from its own address, under the per-address limit.
    const chat = (payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
      widget('/chat', { tenant_id: tenant.slug, session_id: session, message: 'hi', ...payload }, `10.77.1.${address++}`, headers);
    expect((await chat({})).statusCode).toBe(429); // the slug is in memory from now on
    expect((await chat({ message: '   ' })).statusCode).toBe(422);
    expect((await chat({ session_id: 'not-a-session' })).statusCode).toBe(404);
    expect((await chat({}, { origin: 'https://elsewhere.example' })).statusCode).toBe(403);
    const other = await widgetTenant(0);
    expect((await chat({ session_id: await sessionOf(other, '10.77.0.6') })).statusCode).toBe(403);
  });
});
