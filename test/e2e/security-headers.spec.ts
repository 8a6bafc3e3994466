import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestApp, type TestApp, type TestMember } from '../support/http-app.js';

/**
 * Issue 9, section 6: `X-Content-Type-Options: nosniff` on every answer; `Cache-Control: no-store`
 * on every answer to a request with credentials and on every write (token answers), unless the
 * route chose its own. Anonymous reads may be cached.
 */

let t: TestApp;
let member: TestMember;

beforeAll(async () => {
  t = await createTestApp();
  const tenant = await t.makeTenant();
  member = await t.makeMember(tenant.id, 'admin');
});
afterAll(async () => {
  await t?.close();
});

describe('security headers', () => {
  it('authenticated answers, successes and errors alike: nosniff and no-store', async () => {
    for (const url of ['/api/v1/tenant', '/api/v1/conversations/not-a-uuid', '/api/v1/audit-events?from=nonsense', '/api/v1/nowhere']) {
      const res = await t.inject({ method: 'GET', url, headers: member.auth });
      expect({ url, nosniff: res.headers['x-content-type-options'], cache: res.headers['cache-control'] }).toEqual({ url, nosniff: 'nosniff', cache: 'no-store' });
    }
    const key = await t.inject({ method: 'GET', url: '/api/v1/tenant', headers: { 'x-api-key': 'tnry_not-a-key' } });
    expect([key.statusCode, key.headers['cache-control'], key.headers['x-content-type-options']]).toEqual([401, 'no-store', 'nosniff']);
  });

  it('writes without credentials (sign-in answers carry tokens): no-store', async () => {
    const login = await t.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: member.email, password: member.password } });
    expect([login.statusCode, login.headers['cache-control'], login.headers['x-content-type-options']]).toEqual([200, 'no-store', 'nosniff']);
    const widget = await t.inject({ method: 'POST', url: '/session', payload: { tenant_id: 'nope' } });
    expect([widget.headers['cache-control'], widget.headers['x-content-type-options']]).toEqual(['no-store', 'nosniff']);
  });

  it('anonymous reads: nosniff, and no Cache-Control imposed', async () => {
    for (const url of ['/health/live', '/api/v1/billing/plans', '/api/v1/nowhere']) {
      const res = await t.inject({ method: 'GET', url });
      expect({ url, nosniff: res.headers['x-content-type-options'], cache: res.headers['cache-control'] }).toEqual({ url, nosniff: 'nosniff', cache: undefined });
    }
  });
});
