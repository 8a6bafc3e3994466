import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Controller, Get, Module } from '@nestjs/common';
import { TenantModule } from '../../src/modules/tenant/tenant.module.js';
import { TenantService } from '../../src/modules/tenant/tenant.service.js';
import { TenantDb } from '../../src/platform/db/tenant-db.js';
import { RedisClient } from '../../src/platform/redis/redis.module.js';
import { RequirePermission } from '../../src/platform/security/decorators.js';
import { createTestApp, type TestApp } from '../support/http-app.js';

/**
 * Graceful shutdown, on a real listening socket: app.close() (what main.ts does on SIGTERM) lets a
 * request in flight finish, database work included, then refuses new connections and releases the
 * database and Redis connections.
 */

const SLOW_MS = 300;

/** Resolved when the slow handler has started, so the test closes the app mid-request. */
let slowStarted: () => void = () => undefined;
/** Set when the slow handler has done its database work. */
let slowFinished = false;

@Controller('shutdown-test')
class SlowController {
  constructor(private readonly tenants: TenantService) {}

  /** A tenant request that is still working when shutdown begins: it waits, then reads the database. */
  @Get('slow')
  @RequirePermission('tenant:read')
  async slow(): Promise<{ id: string; slug: string }> {
    slowStarted();
    await sleep(SLOW_MS);
    const { id, slug } = await this.tenants.getCurrent();
    slowFinished = true;
    return { id, slug };
  }
}

@Module({ imports: [TenantModule], controllers: [SlowController] })
class SlowTestModule {}

interface Answer {
  status: number;
  body: string;
}

/** One GET on a fresh connection (no keep-alive agent), unless an agent is given. */
function get(port: number, path: string, headers: Record<string, string> = {}, agent: http.Agent | false = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

async function listen(t: TestApp): Promise<number> {
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  return (t.app.getHttpServer().address() as AddressInfo).port;
}

let t: TestApp | undefined;

afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('app.close()', () => {
  it('lets the request in flight finish with its database work, then refuses connections and closes the pools', async () => {
    t = await createTestApp({ imports: [SlowTestModule] });
    const port = await listen(t);
    const tenant = await t.makeTenant();
    const member = await t.makeMember(tenant.id, 'member');
    const started = new Promise<void>((resolve) => (slowStarted = resolve));

    const inFlight = get(port, '/api/v1/shutdown-test/slow', member.auth);
    await started;
    slowFinished = false;
    const closing = t.app.close();
    let finishedWhenClosed: boolean | undefined;
    void closing.then(() => (finishedWhenClosed = slowFinished));

    // Shutdown has begun: a newcomer is turned away (refused, or 503 on the way out), never served.
    await sleep(50);
    const newcomer = await get(port, '/health/live').then(
      (answer) => answer.status,
      (error: NodeJS.ErrnoException) => error.code,
    );
    expect(['ECONNREFUSED', 503]).toContain(newcomer);

    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ id: tenant.id, slug: tenant.slug });

    await closing;
    expect(finishedWhenClosed).toBe(true); // close waited for the handler's database work

    await expect(get(port, '/health/live')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    const pool = t.app.get(TenantDb).pool;
    expect({ total: pool.totalCount, ended: pool.ended }).toEqual({ total: 0, ended: true });
    // RedisClient.disconnect() does not wait for the socket to close: allow it a moment.
    const redis = t.app.get(RedisClient).redis;
    if (redis.status !== 'end') await Promise.race([once(redis, 'end'), sleep(1000)]);
    expect(redis.status).toBe('end');
  });

  it('does not wait for idle keep-alive connections', async () => {
    t = await createTestApp();
    const port = await listen(t);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await get(port, '/health/ready', {}, agent)).status).toBe(200);
      expect(t.app.get(TenantDb).pool.totalCount).toBeGreaterThan(0); // the probe used a connection

      // Waiting for the idle socket would take Fastify's keep-alive time-out (72 s), past this test's.
      await t.app.close();

      expect(t.app.get(TenantDb).pool.totalCount).toBe(0);
    } finally {
      agent.destroy();
    }
  });

  it('answers a request that arrives while draining with 503 problem+json and its request id', async () => {
    t = await createTestApp({ imports: [SlowTestModule] });
    const port = await listen(t);
    const tenant = await t.makeTenant();
    const member = await t.makeMember(tenant.id, 'member');
    const started = new Promise<void>((resolve) => (slowStarted = resolve));

    // A second request on the connection of a request in flight, sent once the drain has begun: the
    // connection is busy, so the drain cannot close it, and Fastify routes the newcomer.
    const socket = net.connect(port, '127.0.0.1');
    let raw = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (raw += chunk));
    const ended = once(socket, 'close');
    await once(socket, 'connect');
    socket.write(`GET /api/v1/shutdown-test/slow HTTP/1.1\r\nHost: x\r\nAuthorization: ${member.auth.authorization}\r\n\r\n`);
    await started;
    const closing = t.app.close();
    await sleep(50);
    socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\nX-Request-Id: drain-check-1\r\n\r\n');
    await ended;
    await closing;

    const second = raw.slice(raw.indexOf('HTTP/1.1', 1));
    expect(raw.startsWith('HTTP/1.1 200')).toBe(true);
    expect(second).toMatch(/^HTTP\/1\.1 503/);
    expect(second.toLowerCase()).toContain('content-type: application/problem+json');
    expect(second.toLowerCase()).toContain('retry-after: 1');
    const body = JSON.parse(second.slice(second.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 503, code: 'shutting_down', requestId: 'drain-check-1', instance: '/health/live' });
  });
});
