import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { installRequestLog, redactUrl } from './request-log.js';

describe('redactUrl', () => {
  it('hides the values of credential parameters and keeps the rest as sent', () => {
    expect(redactUrl('/api/v1/exports/e1/download?expires=123&sig=abcdef')).toBe('/api/v1/exports/e1/download?expires=123&sig=[redacted]');
    expect(redactUrl('/accept?token=t0k3n&x=1&Token=T2')).toBe('/accept?token=[redacted]&x=1&Token=[redacted]');
    expect(redactUrl('/a?%73ig=abc')).toBe('/a?%73ig=[redacted]');
    expect(redactUrl('/plain/path')).toBe('/plain/path');
    expect(redactUrl('/a?flag&sig')).toBe('/a?flag&sig');
  });
});

describe('the request log', () => {
  const lines: Array<Record<string, unknown>> = [];
  let app: FastifyInstance;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        callback();
      },
    });
    const root = pino({ level: 'info' }, sink);
    app = Fastify({ logger: false });
    installRequestLog(app, () => root);
    app.get('/health/live', async () => ({ status: 'ok' }));
    app.get('/health', async () => ({ status: 'ok' }));
    app.post('/chat', async () => ({ reply: 'hi' }));
    // What pino-http leaves on a matched route's response: a child logger with the request's fields.
    app.get('/bound', async (_request, reply) => {
      (reply.raw as unknown as { log: unknown }).log = root.child({ tenantId: 't-1', userId: 'u-1' });
      return { ok: true };
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
    expect(JSON.stringify(lines)).not.toContain('secret-token');
    for (const line of logged) expect(typeof (line.req as { id: unknown }).id).toBe('string');
  });
});
