import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { z } from 'zod';
import { TenantDb } from '../../src/platform/db/tenant-db.js';
import { errorClass } from '../../src/platform/http/app-error.js';
import { zodDto } from '../../src/platform/http/validation.js';
import { Public } from '../../src/platform/security/decorators.js';
import { createTestApp, expectProblem, type TestApp } from '../support/http-app.js';

/**
 * The HTTP conventions every module relies on: problem+json errors with stable codes and request
 * ids, nothing internal in a 500, request-id hygiene, body limits, OpenAPI, and the probes.
 */

const widgetSchema = z.object({
  name: z.string().min(1).max(40),
  quantity: z.number().int().min(1),
  tags: z.array(z.string().max(10)).max(3).optional(),
});
class CreateWidgetBody extends zodDto(widgetSchema) {}

/** A module error as the product modules declare them (code enum + status table). */
enum WidgetErrorCode {
  Conflict = 'widget_conflict',
}
const WIDGET_STATUS: Record<WidgetErrorCode, number> = {
  [WidgetErrorCode.Conflict]: 409,
};
class WidgetError extends errorClass(WIDGET_STATUS) {}

/** What a careless internal error looks like: a connection string with a password, and SQL. */
const INTERNAL_MESSAGE = 'connect to postgresql://tenantry_app:hunter2@db.internal:5432/tenantry failed during SELECT secret FROM api_keys';

@Public()
@Controller('conventions-test')
class ConventionsTestController {
  constructor(private readonly db: TenantDb) {}

  @Post('widgets')
  create(@Body() body: CreateWidgetBody): { received: CreateWidgetBody } {
    return { received: body };
  }

  @Get('crash')
  crash(): never {
    throw new Error(INTERNAL_MESSAGE);
  }

  @Get('sql-error')
  async sqlError(): Promise<unknown> {
    return this.db.pool.query('select password_hash from no_such_table_with_secrets');
  }

  @Get('conflict')
  conflict(): never {
    throw new WidgetError(WidgetErrorCode.Conflict, 'The widget was changed by someone else', { widgetId: 'w-1' }, { 'retry-after': '5' });
  }
}

@Module({ controllers: [ConventionsTestController] })
class ConventionsTestModule {}

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ env: { BODY_LIMIT_BYTES: '2048' }, imports: [ConventionsTestModule] });
});

afterAll(async () => {
  await t?.close();
});

const postJson = (url: string, payload: string) =>
  t.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload });

describe('error responses are problem+json', () => {
  it('an unknown route is 404 not_found', async () => {
    const res = await t.inject({ method: 'GET', url: '/api/v1/no-such-route' });

    const body = expectProblem(res, 404, 'not_found');
    expect(body.instance).toBe('/api/v1/no-such-route');
  });

  it('an unknown route outside /api/v1 is 404 not_found too', async () => {
    expectProblem(await t.inject({ method: 'DELETE', url: '/nowhere/at/all' }), 404, 'not_found');
  });

  it('a malformed JSON body is 400 malformed_body', async () => {
    const res = await postJson('/api/v1/conventions-test/widgets', '{"name": "bolt", "quantity": ');

    const body = expectProblem(res, 400, 'malformed_body');
    expect(body.detail).toBe('The request body is not valid JSON');
  });

  it('an empty body declared as JSON is 400 malformed_body', async () => {
    expectProblem(await postJson('/api/v1/conventions-test/widgets', ''), 400, 'malformed_body');
  });

  it('a body failing its zodDto schema is 400 validation_failed, naming every bad field', async () => {
    const res = await postJson('/api/v1/conventions-test/widgets', JSON.stringify({ name: '', quantity: 1.5, tags: ['ok', 7] }));

    const body = expectProblem(res, 400, 'validation_failed');
    const errors = body.errors as Array<{ field: string; message: string }>;
    expect(errors.map((e) => e.field).sort()).toEqual(['name', 'quantity', 'tags.1']);
    for (const e of errors) expect(e.message).toEqual(expect.any(String));
    expect(body.detail).toMatch(/^Invalid request body: /);
    for (const field of ['name', 'quantity', 'tags.1']) expect(body.detail).toContain(field);
  });

  it('a missing body is 400 validation_failed', async () => {
    const res = await t.inject({ method: 'POST', url: '/api/v1/conventions-test/widgets' });

    expectProblem(res, 400, 'validation_failed');
  });

  it('a valid body reaches the handler parsed by the schema', async () => {
    const res = await postJson('/api/v1/conventions-test/widgets', JSON.stringify({ name: 'bolt', quantity: 3, extra: 'dropped' }));

    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ received: { name: 'bolt', quantity: 3 } });
  });

  it('a body over BODY_LIMIT_BYTES is 413 payload_too_large', async () => {
    const payload = JSON.stringify({ name: 'bolt', quantity: 1, tags: ['x'.repeat(3000)] });
    expect(Buffer.byteLength(payload)).toBeGreaterThan(2048);

    expectProblem(await postJson('/api/v1/conventions-test/widgets', payload), 413, 'payload_too_large');
  });

  it('a body just under the limit is accepted (the limit is the configured one)', async () => {
    const payload = JSON.stringify({ name: 'bolt', quantity: 1, pad: 'x'.repeat(1900) });
    expect(Buffer.byteLength(payload)).toBeLessThan(2048);

    expect((await postJson('/api/v1/conventions-test/widgets', payload)).statusCode).toBe(201);
  });

  it.each([
    ['a thrown Error', '/api/v1/conventions-test/crash'],
    ['a PostgreSQL error', '/api/v1/conventions-test/sql-error'],
  ])('%s is 500 internal_error with a request id and nothing internal', async (_name, url) => {
    const res = await t.inject({ method: 'GET', url });

    const body = expectProblem(res, 500, 'internal_error');
    expect(Object.keys(body).sort()).toEqual(['code', 'detail', 'instance', 'requestId', 'status', 'title', 'type']);
    const raw = res.body;
    for (const leak of ['hunter2', 'postgresql://', 'SELECT', 'select', 'no_such_table', 'password_hash', 'api_keys', 'stack', ' at ', '.ts:', '.js:']) {
      expect(raw).not.toContain(leak);
    }
  });

  it('a module error keeps its status, code, extra members and headers', async () => {
    const res = await t.inject({ method: 'GET', url: '/api/v1/conventions-test/conflict' });

    const body = expectProblem(res, 409, 'widget_conflict');
    expect(body).toMatchObject({ detail: 'The widget was changed by someone else', widgetId: 'w-1' });
    expect(res.headers['retry-after']).toBe('5');
  });
});

describe('X-Request-Id', () => {
  it('a sane incoming id is echoed in the header and in the problem', async () => {
    const id = 'req-2026.11:abc_DEF-42';
    const res = await t.inject({ method: 'GET', url: '/api/v1/no-such-route', headers: { 'x-request-id': id } });

    expect(res.headers['x-request-id']).toBe(id);
    expect(expectProblem(res, 404, 'not_found').requestId).toBe(id);
  });

  it('is set on successful responses too', async () => {
    const res = await t.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'probe-1' } });

    expect(res.headers['x-request-id']).toBe('probe-1');
  });

  it.each([
    ['300 characters', 'a'.repeat(300)],
    ['spaces', 'hello world'],
    ['markup', '<script>alert(1)</script>'],
    ['a log-injection attempt', 'abc","level":"fatal'],
    ['an empty string', ''],
  ])('an id with %s is replaced by a fresh uuid', async (_name, id) => {
    const res = await t.inject({ method: 'GET', url: '/api/v1/no-such-route', headers: { 'x-request-id': id } });

    const body = expectProblem(res, 404, 'not_found');
    expect(body.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(res.headers['x-request-id']).toBe(body.requestId);
  });

  it('two requests without an id get different ids', async () => {
    const [a, b] = await Promise.all([t.inject('/health/live'), t.inject('/health/live')]);

    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });
});

describe('OpenAPI', () => {
  interface OpenApiDoc {
    openapi: string;
    info: { title: string; version: string };
    paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { $ref?: string } }> } }>>;
    components: { schemas: Record<string, { type?: string; properties?: Record<string, unknown>; required?: string[] }> };
  }

  /** Every "$ref" in the document must point at something that exists in it. */
  function danglingRefs(doc: unknown): string[] {
    const refs: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === '$ref' && typeof value === 'string') refs.push(value);
          else walk(value);
        }
      }
    };
    walk(doc);
    return refs.filter((ref) => {
      const target = ref
        .replace(/^#\//, '')
        .split('/')
        .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
      return !ref.startsWith('#/') || target === undefined;
    });
  }

  it('GET /api/openapi.json is an OpenAPI 3 document with the tenant route and the zodDto body schema', async () => {
    const res = await t.inject('/api/openapi.json');

    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const doc = res.json<OpenApiDoc>();
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info).toMatchObject({ title: 'Tenantry API', version: '1' });
    expect(danglingRefs(doc)).toEqual([]);

    expect(doc.paths['/api/v1/tenant']?.get).toBeDefined();
    expect(doc.paths['/health/ready']?.get).toBeDefined();

    const requestBody = doc.paths['/api/v1/conventions-test/widgets']?.post?.requestBody;
    expect(requestBody?.content['application/json']?.schema).toEqual({ $ref: '#/components/schemas/CreateWidgetBody' });
    const schema = doc.components.schemas.CreateWidgetBody;
    expect(Object.keys(schema?.properties ?? {}).sort()).toEqual(['name', 'quantity', 'tags']);
    expect(schema?.properties).toMatchObject({
      name: { type: 'string', minLength: 1, maxLength: 40 },
      quantity: { type: 'integer', minimum: 1 },
      tags: { type: 'array', maxItems: 3 },
    });
    expect([...(schema?.required ?? [])].sort()).toEqual(['name', 'quantity']);
  });

  it('GET /api/docs serves the Swagger UI page', async () => {
    const res = await t.inject('/api/docs');

    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('swagger-ui');
  });
});

describe('health probes', () => {
  it('/health/live is 200', async () => {
    const res = await t.inject('/health/live');

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/health/ready is 200 with postgres and redis up', async () => {
    const res = await t.inject('/health/ready');

    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'ok',
      checks: { postgres: { status: 'up', latencyMs: expect.any(Number) }, redis: { status: 'up', latencyMs: expect.any(Number) } },
    });
  });

  it('/health/ready is 200 "degraded" with redis down: rate limits fail open, the instance stays in rotation', async () => {
    // Nothing listens on 6390: the connection is refused.
    const down = await createTestApp({ env: { REDIS_URL: 'redis://127.0.0.1:6390' } });
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const res = await down.inject('/health/ready');

        expect(res.statusCode).toBe(200);
        expect(res.json()).toMatchObject({
          status: 'degraded',
          checks: { postgres: { status: 'up' }, redis: { status: 'down', error: expect.any(String) } },
          rateLimits: { status: 'failing_open', reason: expect.stringContaining('redis') },
        });
      }
      // Liveness does not depend on Redis.
      expect((await down.inject('/health/live')).statusCode).toBe(200);
    } finally {
      await down.close();
    }
  });
});
