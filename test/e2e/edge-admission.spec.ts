import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { LightMyRequestResponse } from 'fastify';
import type { Command } from 'ioredis';
import { TenantAuthGuard } from '../../src/platform/security/auth.guard.js';
import { RedisClient } from '../../src/platform/redis/redis.module.js';
import { createTestApp, expectProblem, type TestApp, type TestMember } from '../support/http-app.js';

/**
 * EdgeAdmission (docs/adr/0018, decision 20): an authenticated request makes ONE Redis round trip
 * (the cache epochs and the tenant's limit in one script), and a request over its tenant's limit
 * is refused before Nest's pipeline, with the same answer as the throttler's. Counted on the wire
 * (the commands the application's Redis client sends), not estimated.
 */

let t: TestApp;
/** Redis commands sent by the application since the last `take()`, by name. */
const sent: string[] = [];
const take = () => sent.splice(0).filter((name) => ['evalsha', 'eval', 'mget', 'script'].includes(name));
let guardRuns = 0;

beforeAll(async () => {
  t = await createTestApp();
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

/** The headers a refusal must carry, whoever answers it (not the request's own id). */
function refusalHeaders(res: LightMyRequestResponse): Record<string, unknown> {
  const { 'x-request-id': _id, date: _date, 'content-length': _length, connection: _connection, ...rest } = res.headers;
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
    const [edgeHeaders, nestHeaders] = [refusalHeaders(atEdge), refusalHeaders(viaNest)];
    // Retry-After and RateLimit-Reset count down between the two answers.
    for (const h of [edgeHeaders, nestHeaders]) {
      expect(Number(h['retry-after'])).toBeGreaterThan(0);
      delete h['retry-after'];
      delete h['ratelimit-reset'];
    }
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

  it('a token it never verified goes the usual way: a forged one is 401, never counted or refused at the edge', async () => {
    const member = await limitedMember(1);
    expect((await get('/api/v1/usage', member)).statusCode).toBe(200);
    const forged = { authorization: `${member.auth.authorization!.slice(0, -4)}AAAA` };
    for (let i = 0; i < 3; i++) expectProblem(await t.inject({ method: 'GET', url: '/api/v1/usage', headers: forged }), 401, 'unauthenticated');
  });
});
