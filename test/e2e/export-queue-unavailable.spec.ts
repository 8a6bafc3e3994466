import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestApp, expectProblem, type TestApp } from '../support/http-app.js';

/**
 * Redis, which holds the job queues, is unreachable (nothing listens on 6390): an export that
 * cannot be queued answers 503 queue_unavailable and changes nothing, as the README says: no
 * export row, no audit event (the request, its audit event and the enqueue are one unit of work).
 */

let down: TestApp;

beforeAll(async () => {
  down = await createTestApp({ env: { REDIS_URL: 'redis://127.0.0.1:6390' } });
});
afterAll(async () => {
  await down?.close();
});

describe('with Redis unreachable', () => {
  it('an export request answers 503 queue_unavailable and leaves no export and no audit event', async () => {
    const tenant = await down.makeTenant();
    const admin = await down.makeMember(tenant.id, 'admin');
    const auditBefore = (await down.owner.query('select count(*)::int as n from audit_events where tenant_id = $1', [tenant.id])).rows[0].n as number;

    const res = await down.inject({ method: 'POST', url: '/api/v1/tenant/exports', headers: admin.auth });

    expectProblem(res, 503, 'queue_unavailable');
    expect((await down.owner.query('select id, status from tenant_exports where tenant_id = $1', [tenant.id])).rows).toEqual([]);
    const audit = await down.owner.query('select action from audit_events where tenant_id = $1', [tenant.id]);
    expect(audit.rows.map((r) => r.action)).not.toContain('tenant.export_requested');
    expect(audit.rowCount).toBe(auditBefore);
    const list = await down.inject({ method: 'GET', url: '/api/v1/tenant/exports', headers: admin.auth });
    expect(list.json<{ data: unknown[] }>().data).toEqual([]);
  });
});
