import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getQueueToken } from '@nestjs/bullmq';
import type { Job, Queue } from 'bullmq';
import { EraseTenantJob } from '../../src/modules/tenant/jobs/erase-tenant.job.js';
import { ERASE_TENANT_QUEUE, eraseTenantJobId } from '../../src/modules/tenant/jobs/tenant-jobs.js';
import type { ErasureOutcome } from '../../src/modules/tenant/lifecycle/erasure-schedule.js';
import { TenantLifecycleService } from '../../src/modules/tenant/lifecycle/tenant-lifecycle.service.js';
import { TenantContext } from '../../src/platform/context/tenant-context.js';
import { PERMISSIONS } from '../../src/platform/security/permissions.js';
import { Readable } from 'node:stream';
import { exportObjectKey } from '../../src/modules/tenant/exports/tenant-exports.service.js';
import { ObjectNotFoundError, ObjectStorage } from '../../src/platform/storage/object-storage.js';
import { expectProblem, type TestTenant } from '../support/http-app.js';
import { auditEvents, fillEveryTenantTable, type Harness, makeMember, type Member, rowCounts, startHarness } from './tenant-helpers.js';

/**
 * DELETE /api/v1/tenant and the erasure job: access ends at once, the data stays for the grace
 * period (TENANT_DELETION_GRACE_DAYS, 30 here), then every row of the tenant goes, in every tenant
 * table, and nothing of any other tenant.
 */

const DAY_MS = 86_400_000;

let h: Harness;
let erasures: Queue;
let platformAdmin: Member;

beforeAll(async () => {
  h = await startHarness();
  erasures = h.t.app.get<Queue>(getQueueToken(ERASE_TENANT_QUEUE));
  const staff = await h.t.makeTenant();
  platformAdmin = await makeMember(h.owner, staff.id, 'member', { platformAdmin: true });
});

afterAll(async () => {
  await erasures?.obliterate({ force: true }).catch(() => undefined);
  await h?.close();
});

const deleteTenant = (who: Member) => h.t.inject({ method: 'DELETE', url: '/api/v1/tenant', headers: who.auth });
const getTenant = (who: Member) => h.t.inject({ method: 'GET', url: '/api/v1/tenant', headers: who.auth });
const resume = (tenantId: string) => h.t.inject({ method: 'POST', url: `/api/v1/admin/tenants/${tenantId}/resume`, headers: platformAdmin.auth, payload: { reason: 'Restored after the erasure failed' } });

/** The erasure job's processor, called as the worker would call it. */
const runErasureJob = (tenantId: string): Promise<ErasureOutcome> =>
  h.t.app.get(EraseTenantJob).process({ id: eraseTenantJobId(tenantId), name: 'erase-tenant', queueName: ERASE_TENANT_QUEUE, data: { tenantId } } as Job);

/** The erasure service in the tenant's context, as the job runs it (for outcomes the processor turns into a delay). */
const eraseNow = (tenantId: string): Promise<ErasureOutcome> =>
  h.t.app.get(TenantContext).run({ tenantId, actor: 'system', permissions: [...PERMISSIONS] }, () => h.t.app.get(TenantLifecycleService).erase());

/** Pretends the grace period is over. */
const makeDue = (tenantId: string) => h.owner.query(`update tenants set deletion_scheduled_at = now() - interval '1 minute' where id = $1`, [tenantId]);

async function tenantRow(tenantId: string): Promise<Record<string, unknown> | undefined> {
  const { rows } = await h.owner.query('select status, deletion_scheduled_at, deleted_at, suspended_at from tenants where id = $1', [tenantId]);
  return rows[0] as Record<string, unknown> | undefined;
}

async function tenantWithOwner(): Promise<{ tenant: TestTenant; owner: Member }> {
  const tenant = await h.t.makeTenant();
  return { tenant, owner: await makeMember(h.owner, tenant.id, 'owner') };
}

describe('DELETE /api/v1/tenant', () => {
  it.each(['admin', 'billing', 'member'] as const)('is 403 for the role %s (owners only), and changes nothing', async (role) => {
    const { tenant } = await tenantWithOwner();
    const other = await makeMember(h.owner, tenant.id, role);

    const res = await deleteTenant(other);

    expectProblem(res, 403, 'forbidden');
    expect(await tenantRow(tenant.id)).toMatchObject({ status: 'active', deletion_scheduled_at: null });
    expect(await erasures.getJob(eraseTenantJobId(tenant.id))).toBeUndefined();
  });

  it('by the owner: 202, the tenant is deleted with erasure due after the grace period', async () => {
    const { tenant, owner } = await tenantWithOwner();
    const before = Date.now();

    const res = await deleteTenant(owner);

    expect(res.statusCode).toBe(202);
    const body = res.json<{ id: string; status: string; deletionScheduledAt: string }>();
    expect(body).toEqual({ id: tenant.id, status: 'deleted', deletionScheduledAt: expect.any(String) });
    const due = Date.parse(body.deletionScheduledAt);
    expect(due).toBeGreaterThanOrEqual(before + 30 * DAY_MS);
    expect(due).toBeLessThanOrEqual(Date.now() + 30 * DAY_MS);
    expect(await tenantRow(tenant.id)).toMatchObject({ status: 'deleted', deletion_scheduled_at: new Date(due), deleted_at: null });
  });

  it('ends access on the very next request: 403 tenant_deleted, for every member', async () => {
    const { tenant, owner } = await tenantWithOwner();
    const member = await makeMember(h.owner, tenant.id, 'member');
    expect((await getTenant(member)).statusCode).toBe(200);

    await deleteTenant(owner);

    expectProblem(await getTenant(owner), 403, 'tenant_deleted');
    expectProblem(await getTenant(member), 403, 'tenant_deleted');
    expectProblem(await deleteTenant(owner), 403, 'tenant_deleted');
  });

  it('queues a delayed erasure job under the deterministic id erase-tenant-<tenantId>', async () => {
    const { tenant, owner } = await tenantWithOwner();

    const res = await deleteTenant(owner);

    const job = await erasures.getJob(eraseTenantJobId(tenant.id));
    expect(job).toBeDefined();
    expect(job!.id).toBe(`erase-tenant-${tenant.id}`);
    expect(job!.data).toEqual({ tenantId: tenant.id });
    expect(await job!.getState()).toBe('delayed');
    expect(job!.timestamp + job!.delay).toBeGreaterThanOrEqual(Date.parse(res.json<{ deletionScheduledAt: string }>().deletionScheduledAt) - 1000);
  });

  it('is audited as tenant.deletion_scheduled by the owner', async () => {
    const { tenant, owner } = await tenantWithOwner();

    const res = await deleteTenant(owner);

    expect(await auditEvents(h.owner, tenant.id, 'tenant.deletion_scheduled')).toEqual([
      expect.objectContaining({
        actor_type: 'user',
        actor_id: owner.userId,
        target_id: tenant.id,
        data: { deletionScheduledAt: res.json<{ deletionScheduledAt: string }>().deletionScheduledAt },
      }),
    ]);
  });
});

describe('the erasure job', () => {
  it("deletes every row of the tenant in every tenant table, and the tenant itself, and no other tenant's rows", async () => {
    const doomed = await tenantWithOwner();
    const bystander = await tenantWithOwner();
    await fillEveryTenantTable(h, doomed.tenant.id);
    const bystanderBefore = await fillEveryTenantTable(h, bystander.tenant.id);
    await deleteTenant(doomed.owner);
    await makeDue(doomed.tenant.id);

    const outcome = await runErasureJob(doomed.tenant.id);

    expect(outcome).toMatchObject({ outcome: 'erased' });
    const left = await rowCounts(h.owner, doomed.tenant.id);
    expect(Object.entries(left).filter(([, n]) => n > 0)).toEqual([]);
    expect(await tenantRow(doomed.tenant.id)).toBeUndefined();
    expect(await rowCounts(h.owner, bystander.tenant.id)).toEqual(bystanderBefore);
    expect((await getTenant(bystander.owner)).statusCode).toBe(200);
  });

  it("deletes the tenant's stored archives too, and no other tenant's", async () => {
    const doomed = await tenantWithOwner();
    const bystander = await tenantWithOwner();
    const storage = h.t.app.get(ObjectStorage);
    const archive = (tenantId: string) => exportObjectKey(tenantId, '00000000-0000-4000-8000-000000000001');
    for (const tenantId of [doomed.tenant.id, bystander.tenant.id]) await storage.put(archive(tenantId), Readable.from(['{}']), 'application/json');
    await deleteTenant(doomed.owner);
    await makeDue(doomed.tenant.id);

    expect(await runErasureJob(doomed.tenant.id)).toMatchObject({ outcome: 'erased' });

    await expect(storage.get(archive(doomed.tenant.id))).rejects.toBeInstanceOf(ObjectNotFoundError);
    const kept = await storage.get(archive(bystander.tenant.id));
    kept.destroy();
  });

  it('erases the audit log with the tenant (the erasure itself goes to the application log)', async () => {
    const { tenant, owner } = await tenantWithOwner();
    await deleteTenant(owner);
    expect(await auditEvents(h.owner, tenant.id)).not.toEqual([]);
    await makeDue(tenant.id);

    await runErasureJob(tenant.id);

    expect(await auditEvents(h.owner, tenant.id)).toEqual([]);
  });

  it('is idempotent: a second run finds nothing to do and touches nothing', async () => {
    const doomed = await tenantWithOwner();
    const bystander = await tenantWithOwner();
    const bystanderBefore = await fillEveryTenantTable(h, bystander.tenant.id);
    await deleteTenant(doomed.owner);
    await makeDue(doomed.tenant.id);
    await runErasureJob(doomed.tenant.id);

    const second = await runErasureJob(doomed.tenant.id);

    expect(second).toEqual({ outcome: 'gone' });
    expect(await rowCounts(h.owner, bystander.tenant.id)).toEqual(bystanderBefore);
  });

  it('finishes an erasure that stopped halfway (claimed, rows partly deleted)', async () => {
    const { tenant, owner } = await tenantWithOwner();
    await fillEveryTenantTable(h, tenant.id);
    await deleteTenant(owner);
    await h.owner.query(`update tenants set deletion_scheduled_at = now() - interval '1 minute', deleted_at = now() where id = $1`, [tenant.id]);
    await h.owner.query('delete from memberships where tenant_id = $1', [tenant.id]);

    expect(await runErasureJob(tenant.id)).toMatchObject({ outcome: 'erased' });

    expect(await tenantRow(tenant.id)).toBeUndefined();
  });

  it('does nothing before the grace period is over (and says when it is due)', async () => {
    const { tenant, owner } = await tenantWithOwner();
    await fillEveryTenantTable(h, tenant.id);
    await deleteTenant(owner);
    const before = await rowCounts(h.owner, tenant.id);

    const outcome = await eraseNow(tenant.id);

    expect(outcome).toEqual({ outcome: 'not_due', dueAt: (await tenantRow(tenant.id))!.deletion_scheduled_at });
    expect(await rowCounts(h.owner, tenant.id)).toEqual(before);
  });

  it('does nothing for a tenant that is not deleted', async () => {
    const { tenant } = await tenantWithOwner();
    const before = await rowCounts(h.owner, tenant.id);

    expect(await runErasureJob(tenant.id)).toEqual({ outcome: 'cancelled' });

    expect(await rowCounts(h.owner, tenant.id)).toEqual(before);
    expect(await tenantRow(tenant.id)).toMatchObject({ status: 'active' });
  });
});

describe('resuming a deleted tenant before its erasure', () => {
  it('cancels the erasure: the job is removed, access returns, and a late run erases nothing', async () => {
    const { tenant, owner } = await tenantWithOwner();
    await fillEveryTenantTable(h, tenant.id);
    await deleteTenant(owner);
    const before = await rowCounts(h.owner, tenant.id);

    const res = await resume(tenant.id);

    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: tenant.id, status: 'active', deletionScheduledAt: null });
    expect(await erasures.getJob(eraseTenantJobId(tenant.id))).toBeUndefined();
    expect((await getTenant(owner)).statusCode).toBe(200);
    expect(await runErasureJob(tenant.id)).toEqual({ outcome: 'cancelled' });
    // The resume added its own audit event; nothing else changed.
    expect({ ...(await rowCounts(h.owner, tenant.id)), audit_events: 0 }).toEqual({ ...before, audit_events: 0 });
  });

  it('restores a tenant that was suspended when it was deleted to suspended', async () => {
    const { tenant, owner } = await tenantWithOwner();
    await deleteTenant(owner);
    await h.owner.query('update tenants set suspended_at = now() where id = $1', [tenant.id]);

    const res = await resume(tenant.id);

    expect(res.json()).toMatchObject({ status: 'suspended', deletionScheduledAt: null });
  });

  it('is refused with 409 tenant_erasure_in_progress once the erasure has started', async () => {
    const { tenant, owner } = await tenantWithOwner();
    await deleteTenant(owner);
    await h.owner.query(`update tenants set deletion_scheduled_at = now() - interval '1 minute', deleted_at = now() where id = $1`, [tenant.id]);

    expectProblem(await resume(tenant.id), 409, 'tenant_erasure_in_progress');

    expect(await tenantRow(tenant.id)).toMatchObject({ status: 'deleted' });
  });
});
