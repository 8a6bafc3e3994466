import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually, fillEveryTenantTable, type Harness, makeMember, rowCounts, startHarness } from './tenant-helpers.js';

/**
 * The erasure through the real queue: a grace period of about two seconds, the delayed BullMQ job,
 * the worker, the processor. Nothing is called directly.
 */

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ env: { TENANT_DELETION_GRACE_DAYS: String(2 / 86_400) } });
});

afterAll(async () => {
  await h?.close();
});

describe('an owner-deleted tenant, with a grace period of two seconds', () => {
  it('is erased by the queued job once the grace period is over, and another tenant is left intact', async () => {
    const doomed = await h.t.makeTenant();
    const bystander = await h.t.makeTenant();
    const owner = await makeMember(h.owner, doomed.id, 'owner');
    await fillEveryTenantTable(h, doomed.id);
    const bystanderBefore = await fillEveryTenantTable(h, bystander.id);

    const res = await h.t.inject({ method: 'DELETE', url: '/api/v1/tenant', headers: owner.auth });
    expect(res.statusCode).toBe(202);
    // Still there during the grace period.
    expect((await h.owner.query('select 1 from tenants where id = $1', [doomed.id])).rowCount).toBe(1);

    await eventually(
      async () => ((await h.owner.query('select 1 from tenants where id = $1', [doomed.id])).rowCount === 0 ? true : undefined),
      15_000,
      'the erasure job',
    );

    expect(Object.entries(await rowCounts(h.owner, doomed.id)).filter(([, n]) => n > 0)).toEqual([]);
    expect(await rowCounts(h.owner, bystander.id)).toEqual(bystanderBefore);
  });
});
