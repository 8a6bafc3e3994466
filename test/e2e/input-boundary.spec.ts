import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { LightMyRequestResponse } from 'fastify';
import { buildOpenApiDocument } from '../../src/platform/http/openapi.js';
import { createTestApp, expectProblem, type TestApp, type TestMember } from '../support/http-app.js';

/**
 * Issue 9, section 6: text PostgreSQL cannot store (a NUL byte, an unpaired UTF-16 surrogate) is
 * refused at the boundary, in one place, for every operation: 400 invalid_text (the widget
 * `{"detail": ...}`), never a 500 from the database. The cases are generated from the OpenAPI
 * document: every path and query parameter and every string field of every documented body.
 */

let t: TestApp;
let owner: TestMember;
let document: OpenAPIObject;

beforeAll(async () => {
  t = await createTestApp();
  document = buildOpenApiDocument(t.app);
  const tenant = await t.makeTenant();
  // Hundreds of requests from one tenant: the plan's API rate must not answer them instead.
  await t.owner.query('update tenants set limit_overrides = $2 where id = $1', [tenant.id, JSON.stringify({ api_per_minute: 1_000_000 })]);
  owner = await t.makeMember(tenant.id, 'owner');
});
afterAll(async () => {
  await t?.close();
});

type Schema = { type?: string; format?: string; items?: Schema; properties?: Record<string, Schema>; $ref?: string; nullable?: boolean };
type Parameter = { name: string; in: string; schema?: Schema };
type Operation = { parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: Schema }> } };

/** Request headers for a JSON body given as text (inject sets a content type only for objects). */
const json = (auth: Record<string, string> = {}) => ({ 'content-type': 'application/json', ...auth });

const WIDGET_PATHS = new Set(['/session', '/chat']);
/** Body strings JSON can carry that PostgreSQL cannot store. */
const BAD_TEXT = ['\u0000', 'a\u0000b', '\ud800', 'x\udfff', '\udc00\ud800'];
/** The same in a URL: NUL; and bytes no UTF-8 decoder turns into a valid string (a surrogate's WTF-8, an overlong NUL). */
const BAD_URL_TEXT = ['%00', 'a%00b', '%ED%A0%80', '%C0%80'];

function operations(): Array<{ method: string; path: string; op: Operation }> {
  const found = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(item as Record<string, Operation>)) {
      if (['get', 'post', 'put', 'patch', 'delete'].includes(method)) found.push({ method: method.toUpperCase(), path, op });
    }
  }
  return found;
}

function resolve(schema: Schema | undefined): Schema | undefined {
  if (!schema?.$ref) return schema;
  return (document.components?.schemas as Record<string, Schema>)[schema.$ref.replace('#/components/schemas/', '')];
}

/** A value the parameter accepts, for the parameters not under test. */
function fine(parameter: Parameter): string {
  const schema = resolve(parameter.schema);
  if (schema?.type === 'integer' || schema?.type === 'number') return '1';
  if (schema?.format === 'uuid') return randomUUID();
  return 'x';
}

function url(path: string, params: Parameter[], override: { name: string; in: string; raw: string } | undefined): string {
  let result = path;
  for (const p of params.filter((q) => q.in === 'path')) {
    const value = override?.in === 'path' && override.name === p.name ? override.raw : encodeURIComponent(fine(p));
    result = result.replace(`{${p.name}}`, value);
  }
  const query = params.filter((q) => q.in === 'query').map((q) => `${q.name}=${override?.in === 'query' && override.name === q.name ? override.raw : encodeURIComponent(fine(q))}`);
  return query.length ? `${result}?${query.join('&')}` : result;
}

/** Each documented string field of the body (or array of strings) set to `bad`; one extra key named with it. */
function badBodies(op: Operation, bad: string): Array<{ field: string; body: Record<string, unknown> }> {
  const schema = resolve(op.requestBody?.content?.['application/json']?.schema);
  const bodies: Array<{ field: string; body: Record<string, unknown> }> = [];
  for (const [name, prop] of Object.entries(schema?.properties ?? {})) {
    const resolved = resolve(prop);
    if (resolved?.type === 'string') bodies.push({ field: name, body: { [name]: bad } });
    if (resolved?.type === 'array' && resolve(resolved.items)?.type === 'string') bodies.push({ field: `${name}.0`, body: { [name]: [bad] } });
  }
  bodies.push({ field: '(key)', body: { [`k${bad}`]: 1 } });
  bodies.push({ field: 'deep', body: { a: [{ b: { c: [[bad]] } }] } });
  return bodies;
}

function expectRefused(res: LightMyRequestResponse, path: string, what: string): void {
  const context = `${what}: ${res.statusCode} ${res.body.slice(0, 200)}`;
  if (WIDGET_PATHS.has(path)) {
    expect({ context, status: res.statusCode, body: res.json() }).toEqual({ context, status: 400, body: { detail: expect.stringContaining('must') } });
  } else {
    expect({ context, status: res.statusCode, code: res.json<{ code?: string }>().code }).toEqual({ context, status: 400, code: 'invalid_text' });
  }
}

describe('text PostgreSQL cannot store is refused for every documented operation', () => {
  it('in every path and query parameter: NUL is 400 invalid_text; undecodable bytes are never a 5xx', async () => {
    let sent = 0;
    const failures: string[] = [];
    for (const { method, path, op } of operations()) {
      for (const parameter of op.parameters ?? []) {
        if (parameter.in !== 'path' && parameter.in !== 'query') continue;
        for (const raw of BAD_URL_TEXT) {
          const target = url(path, op.parameters ?? [], { name: parameter.name, in: parameter.in, raw });
          const res = await t.inject({ method: method as 'GET', url: target, headers: owner.auth, ...(op.requestBody ? { payload: {} } : {}) });
          sent++;
          if (res.statusCode >= 500) failures.push(`${method} ${target}: ${res.statusCode} ${res.body.slice(0, 200)}`);
          if (raw.includes('%00')) expectRefused(res, path, `${method} ${target}`);
        }
      }
    }
    console.log(`parameters: ${sent} requests over ${operations().length} operations`);
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(100);
  }, 120_000);

  it('in every string field of every documented body, in keys and at any depth: 400 invalid_text', async () => {
    let sent = 0;
    for (const { method, path, op } of operations()) {
      if (!op.requestBody) continue;
      for (const bad of BAD_TEXT) {
        for (const { field, body } of badBodies(op, bad)) {
          const res = await t.inject({ method: method as 'POST', url: url(path, op.parameters ?? [], undefined), headers: json(owner.auth), payload: JSON.stringify(body) });
          sent++;
          expectRefused(res, path, `${method} ${path} ${field}=${JSON.stringify(bad)}`);
        }
      }
    }
    console.log(`bodies: ${sent} requests`);
    expect(sent).toBeGreaterThan(100);
  }, 120_000);

  it('names the field, and refuses before authentication (nothing of the request is looked at further)', async () => {
    const res = await t.inject({ method: 'PATCH', url: '/api/v1/tenant', headers: json(), payload: JSON.stringify({ name: 'a\u0000b' }) });
    expect(expectProblem(res, 400, 'invalid_text')).toMatchObject({ errors: [{ field: 'body.name', message: expect.stringContaining('NUL') }] });
    const param = await t.inject({ method: 'GET', url: '/api/v1/conversations/a%00b', headers: owner.auth });
    expect(expectProblem(param, 400, 'invalid_text')).toMatchObject({ errors: [{ field: 'param.id' }] });
  });

  it('lets well-formed text through, astral characters included', async () => {
    const res = await t.inject({ method: 'PATCH', url: '/api/v1/tenant', headers: json(owner.auth), payload: JSON.stringify({ displayName: 'Caf\u00e9 \ud83d\ude00' }) });
    expect(res.statusCode).toBe(200);
    expect((await t.owner.query('select display_name from tenant_settings where tenant_id = $1', [owner.tenantId])).rows[0].display_name).toBe('Caf\u00e9 \ud83d\ude00');
  });
});

describe('bodies too deep or too large', () => {
  it('a JSON body nested deeper than 64 levels is 400 body_too_deep before it is parsed; 64 levels are parsed', async () => {
    const nested = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;
    for (const depth of [65, 50_000]) {
      const res = await t.inject({ method: 'PATCH', url: '/api/v1/tenant', headers: json(owner.auth), payload: nested(depth) });
      expectProblem(res, 400, 'body_too_deep');
    }
    const res = await t.inject({ method: 'PATCH', url: '/api/v1/tenant', headers: json(owner.auth), payload: nested(64) });
    expectProblem(res, 400, 'validation_failed'); // parsed, then refused by the schema (unknown field)
    // Brackets inside strings are text, not nesting.
    const text = await t.inject({ method: 'PATCH', url: '/api/v1/tenant', headers: json(owner.auth), payload: JSON.stringify({ displayName: `${'['.repeat(100)}\\"{` }) });
    expect(text.statusCode).toBe(200);
  });

  it('a body over the limit is 413, whatever it holds', async () => {
    const res = await t.inject({ method: 'PATCH', url: '/api/v1/tenant', headers: json(owner.auth), payload: JSON.stringify({ name: 'x'.repeat(2_000_000) }) });
    expectProblem(res, 413, 'payload_too_large');
  });
});

describe('a field that fails one rule is not checked by the next', () => {
  it('a 100,000-character baseUrl is 400, not a 500 from the URL parser', async () => {
    for (const baseUrl of [`https://${'a'.repeat(100_000)}.example`, 'x'.repeat(100_000), 'not a url', 'ftp://files.example']) {
      const res = await t.inject({ method: 'PATCH', url: '/api/v1/assistant', headers: owner.auth, payload: { baseUrl } });
      expect(expectProblem(res, 400, 'validation_failed')).toMatchObject({ errors: [{ field: 'baseUrl', message: expect.any(String) }] });
    }
  });
});
