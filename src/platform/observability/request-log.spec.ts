import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Fastify, { type FastifyInstance } from 'fastify';
import { ClsServiceManager } from 'nestjs-cls';
import pino from 'pino';
import { installRequestScope, type RequestStore } from '../context/request-scope.js';
import { keepContextStore } from '../context/request-store.js';
import type { AppConfig } from '../config/config.js';
import { pinoOptions } from './logging.module.js';
import { contextLogFields, installRequestLog, redactUrl } from './request-log.js';

describe('redactUrl', () => {
  it('hides the values of credential parameters and keeps the rest as sent', () => {
    expect(redactUrl('/api/v1/exports/e1/download?expires=123&sig=abcdef')).toBe('/api/v1/exports/e1/download?expires=123&sig=[redacted]');
    expect(redactUrl('/accept?token=t0k3n&x=1&Token=T2')).toBe('/accept?token=[redacted]&x=1&Token=[redacted]');
    expect(redactUrl('/a?%73ig=abc')).toBe('/a?%73ig=[redacted]');
    expect(redactUrl('/plain/path')).toBe('/plain/path');
    expect(redactUrl('/a?flag&sig')).toBe('/a?flag&sig');
  });
});

describe("the application's logger", () => {
  it('writes a request as its id, method and redacted URL only: no header, so no credential', () => {
    const written: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _encoding, callback) => { written.push(chunk.toString('utf8')); callback(); } });
    const logger = pino(pinoOptions({ env: { LOG_LEVEL: 'info' } } as AppConfig), sink);
    const raw = { id: 'r-1', method: 'GET', url: '/x?token=t0k3n', headers: { authorization: 'Bearer s3cret', cookie: 'refresh=c00kie', 'x-api-key': 'tnry_k3y' } };

    logger.info({ req: raw }, 'a raw request');

    expect(JSON.parse(written.join(''))).toMatchObject({ req: { id: 'r-1', method: 'GET', url: '/x?token=[redacted]' } });
    expect(written.join('')).not.toMatch(/s3cret|c00kie|tnry_k3y|t0k3n/);
  });
});

describe('the request log', () => {
  const lines: Array<Record<string, unknown>> = [];
  let app: FastifyInstance;
  let rootLogger: pino.Logger;
  const root = (): pino.Logger => rootLogger;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        callback();
      },
    });
    rootLogger = pino({ level: 'info', mixin: contextLogFields }, sink);
    app = Fastify({ logger: false });
    installRequestLog(app, root);
    installRequestScope(app);
    app.get('/health/live', async () => ({ status: 'ok' }));
    app.get('/health', async () => ({ status: 'ok' }));
    app.post('/chat', async () => ({ reply: 'hi' }));
    // What the auth guard leaves in the request's context (TenantContext.enter).
    app.get('/bound', async () => {
      const store = ClsServiceManager.getClsService<RequestStore>().get();
      store.ctx = { ...store.ctx!, tenantId: 't-1', userId: 'u-1' };
      return { ok: true };
    });
    // A line logged inside a request, after an await and once the principal is known.
    app.post('/inside', async () => {
      await new Promise((resolve) => setImmediate(resolve));
      rootLogger.info('before the guard');
      const store = ClsServiceManager.getClsService<RequestStore>().get();
      store.ctx = { ...store.ctx!, tenantId: 't-2', userId: 'u-2', apiKeyId: 'k-2' };
      await Promise.resolve();
      rootLogger.info({ tenantId: 'given' }, 'the line wins');
      return { ok: true };
    });
    // Refused before the request's context was opened (the edge admission keeps a store itself).
    app.addHook('onRequest', (request, reply, done) => {
      if (request.url !== '/edge') return done();
      keepContextStore(request.raw, { ctx: { tenantId: 't-3', userId: 'u-3', roles: [], permissions: [], requestId: request.id } });
      void reply.code(429).send({ refused: true });
    });
    app.get('/boom', async () => {
      throw new Error('boom');
    });
    await app.ready();
  });

  afterAll(() => app.close());

  it('writes exactly one line per request, unknown paths included, and none for probes', async () => {
    lines.length = 0;
    await app.inject({ method: 'GET', url: '/health/live' });
    await app.inject({ method: 'GET', url: '/health' });
    await app.inject({ method: 'POST', url: '/chat', payload: {} });
    await app.inject({ method: 'GET', url: '/no/such/path?token=secret-token' });
    await app.inject({ method: 'GET', url: '/boom' });
    await app.inject({ method: 'GET', url: '/bound' });

    const logged = lines.filter((l) => l.msg === 'request completed');
    expect(logged.map((l) => [(l.req as { url: string }).url, l.statusCode, l.level])).toEqual([
      ['/chat', 200, 30],
      ['/no/such/path?token=[redacted]', 404, 40],
      ['/boom', 500, 50],
      ['/bound', 200, 30],
    ]);
    expect(logged.at(-1)).toMatchObject({ tenantId: 't-1', userId: 'u-1' });
    expect(logged.slice(0, -1).every((l) => l.tenantId === undefined)).toBe(true);
    expect(JSON.stringify(lines)).not.toContain('secret-token');
    for (const line of logged) expect(typeof (line.req as { id: unknown }).id).toBe('string');
  });

  it('names the request, then its tenant, user and API key, on every line logged inside it (and no other)', async () => {
    lines.length = 0;
    rootLogger.info('outside any request');
    await Promise.all([
      app.inject({ method: 'POST', url: '/inside?token=abc', payload: {} }),
      app.inject({ method: 'GET', url: '/bound' }),
    ]);
    const inside = lines.filter((l) => l.msg !== 'request completed' && l.msg !== 'outside any request');
    const id = (lines.find((l) => l.msg === 'request completed' && (l.req as { method: string }).method === 'POST')!.req as { id: string }).id;
    expect(inside).toEqual([
      expect.objectContaining({ msg: 'before the guard', req: { id, method: 'POST', url: '/inside?token=[redacted]' } }),
      expect.objectContaining({ msg: 'the line wins', req: expect.objectContaining({ id }), tenantId: 'given', userId: 'u-2', apiKeyId: 'k-2' }),
    ]);
    expect(inside[0]!.tenantId).toBeUndefined();
    expect(lines.find((l) => l.msg === 'outside any request')).not.toHaveProperty('req');
    expect(lines.find((l) => l.msg === 'request completed' && (l.req as { url: string }).url === '/bound')).toMatchObject({ tenantId: 't-1' });
  });

  it('names the tenant of a request answered before its context was opened', async () => {
    lines.length = 0;
    await app.inject({ method: 'GET', url: '/edge' });
    expect(lines).toEqual([expect.objectContaining({ msg: 'request completed', statusCode: 429, tenantId: 't-3', userId: 'u-3' })]);
  });
});
