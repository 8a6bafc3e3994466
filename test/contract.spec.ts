import { describe, expect, it } from '@jest/globals';
import { ContractChecker } from './support/contract.js';

/**
 * The contract checker the end-to-end suite runs on every response (test/support/contract.ts),
 * against the committed docs/openapi.json: it must pass what the document says and catch the rest.
 */
const checker = ContractChecker.fromFile();
const member = { userId: 'u1', email: 'a@example.test', name: 'A', role: 'member', joinedAt: '2026-12-03T08:00:00.000Z' };
const json = 'application/json; charset=utf-8';

describe('the OpenAPI contract check', () => {
  it('passes a response that matches its documented status, content type and schema', () => {
    const check = checker.check({ method: 'GET', route: '/api/v1/members', status: 200, contentType: json, body: JSON.stringify({ data: [member], nextCursor: null }) });
    expect(check).toEqual({ operation: 'GET /api/v1/members', violations: [] });
  });

  it('refuses a status the operation does not document', () => {
    const check = checker.check({ method: 'GET', route: '/api/v1/members', status: 418, contentType: json, body: '{}' });
    expect(check.violations).toEqual([expect.stringContaining('GET /api/v1/members → 418: status not documented')]);
  });

  it('refuses a body that breaks the schema: a missing field, a wrong type, an undocumented field', () => {
    const bodies = [
      { data: [{ ...member, role: undefined }], nextCursor: null },
      { data: [{ ...member, joinedAt: 'yesterday' }], nextCursor: null },
      { data: [{ ...member, passwordHash: 'x' }], nextCursor: null },
    ];
    for (const body of bodies) {
      const check = checker.check({ method: 'GET', route: '/api/v1/members', status: 200, contentType: json, body: JSON.stringify(body) });
      expect(check.violations).toEqual([expect.stringContaining('body does not match the documented schema')]);
    }
  });

  it('checks errors as problem+json with the codes the operation lists', () => {
    const problem = (code: string) => JSON.stringify({ type: `urn:tenantry:problem:${code}`, title: 'Forbidden', status: 403, code, requestId: 'r' });
    const ok = checker.check({ method: 'PATCH', route: '/api/v1/members/:userId', status: 403, contentType: 'application/problem+json; charset=utf-8', body: problem('last_owner') });
    expect(ok.violations).toEqual([expect.stringContaining('/code must be equal to one of the allowed values')]);
    const listed = checker.check({ method: 'PATCH', route: '/api/v1/members/:userId', status: 403, contentType: 'application/problem+json', body: problem('cannot_grant_owner') });
    expect(listed.violations).toEqual([]);
    const plain = checker.check({ method: 'PATCH', route: '/api/v1/members/:userId', status: 403, contentType: json, body: problem('cannot_grant_owner') });
    expect(plain.violations).toEqual([expect.stringContaining('content type application/json not documented')]);
  });

  it("checks the widget's errors as {detail} in application/json", () => {
    const detail = checker.check({ method: 'POST', route: '/chat', status: 422, contentType: json, body: JSON.stringify({ detail: 'message: must not be empty' }) });
    expect(detail.violations).toEqual([]);
    const problem = checker.check({ method: 'POST', route: '/chat', status: 422, contentType: 'application/problem+json', body: '{}' });
    expect(problem.violations).toEqual([expect.stringContaining('content type application/problem+json not documented')]);
  });

  it('leaves routes the document does not hold to their own tests', () => {
    expect(checker.check({ method: 'GET', route: '/test-only', status: 200, contentType: json, body: '{}' })).toEqual({ violations: [] });
    expect(checker.check({ method: 'GET', route: undefined, status: 404, contentType: json, body: '{}' })).toEqual({ violations: [] });
  });
});
