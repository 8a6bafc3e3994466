import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { OPENAPI_FILE } from './support/contract.js';

/**
 * What the committed OpenAPI document promises its clients (CI proves it is the generated one):
 * every operation complete, security as the guard enforces it, errors as the filters answer them.
 */
interface Operation {
  summary?: string;
  security?: Array<Record<string, string[]>>;
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string; allOf?: Array<{ properties?: { code?: { enum?: string[] } } }> } }> }>;
}
const document = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as { openapi: string; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: object } };
const operations = Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })));
const op = (name: string): Operation => operations.find((o) => o.name === name)!.op;
const codesOf = (name: string, status: string): string[] | undefined =>
  op(name).responses[status]?.content?.['application/problem+json']?.schema.allOf?.[1]?.properties?.code?.enum;

describe('docs/openapi.json', () => {
  it('is OpenAPI 3.1 with 73 operations, each with a summary, a success response and its errors', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(operations).toHaveLength(73);
    const incomplete = operations.filter(({ op: o }) => {
      const statuses = Object.keys(o.responses).map(Number);
      return !o.summary || !statuses.some((s) => s < 300) || !statuses.includes(500) || o.security === undefined;
    });
    expect(incomplete.map((o) => o.name)).toEqual([]);
  });

  it('declares bearer and X-API-Key, and gives each operation the security the guard enforces', () => {
    expect(document.components.securitySchemes).toMatchObject({ bearer: { type: 'http', scheme: 'bearer' }, apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' } });
    expect(op('POST /api/v1/auth/login').security).toEqual([]);
    expect(op('POST /chat').security).toEqual([]);
    expect(op('GET /api/v1/tenant/exports/{id}/download').security).toEqual([]); // the signed link is the credential
    expect(op('GET /api/v1/members').security).toEqual([{ bearer: [] }, { apiKey: [] }]);
    expect(op('GET /api/v1/usage').security).toEqual([{ bearer: [] }, { apiKey: [] }]);
    expect(op('GET /api/v1/me').security).toEqual([{ bearer: [] }]); // a user's session: API keys get 403 session_required
    expect(op('GET /api/v1/admin/tenants').security).toEqual([{ bearer: [] }]); // platform admins, never a key
  });

  it("lists each status's problem codes: the route's own, the guard's and the pipe's", () => {
    expect(codesOf('PATCH /api/v1/members/{userId}', '409')).toEqual(['last_owner']);
    expect(codesOf('PATCH /api/v1/members/{userId}', '403')).toEqual(
      expect.arrayContaining(['cannot_grant_owner', 'forbidden', 'tenant_suspended', 'tenant_deleted', 'platform_admin_required']),
    );
    expect(codesOf('GET /api/v1/members', '400')).toEqual(['invalid_cursor', 'invalid_text', 'validation_failed']);
    expect(codesOf('POST /api/v1/billing/checkout', '403')).not.toContain('tenant_suspended'); // @AllowSuspendedTenant
    expect(codesOf('GET /api/v1/billing/plans', '401')).toBeUndefined(); // public
  });

  it("documents the widget's errors as {detail} in application/json, 422 for an invalid body", () => {
    const widgetError = { schema: { $ref: '#/components/schemas/WidgetError' } };
    for (const status of ['404', '422', '429', '500']) expect(op('POST /chat').responses[status]?.content).toEqual({ 'application/json': widgetError });
    // Unstorable text is the widget's {detail} (the input boundary answers in its form); a body that
    // is not JSON at all is Fastify's problem+json, before the route.
    expect(Object.keys(op('POST /chat').responses[400]!.content!).sort()).toEqual(['application/json', 'application/problem+json']);
  });
});
