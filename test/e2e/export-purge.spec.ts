import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getQueueToken } from '@nestjs/bullmq';
import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import { TenantExportsRepository } from '../../src/modules/tenant/exports/tenant-exports.repository.js';
import { EXPORT_PURGE_BATCH } from '../../src/modules/tenant/exports/tenant-exports.service.js';
import {
  EXPORT_PURGE_EVERY_MS,
  EXPORT_PURGE_QUEUE,
  EXPORT_PURGE_SCHEDULER_ID,
  EXPORT_PURGE_SWEEP_JOB,
  PURGE_EXPORTS_JOB,
} from '../../src/modules/tenant/jobs/export-purge.jobs.js';
import { PurgeExpiredExportsJob } from '../../src/modules/tenant/jobs/purge-expired-exports.job.js';
import { TenantContext } from '../../src/platform/context/tenant-context.js';
import { createTestApp, expectProblem, type TestApp } from '../support/http-app.js';
import { waitFor } from './billing-helpers.js';

/**
 * Exports are kept 7 days, archive bytes and all. An hourly sweep finds the tenants with expired
 * exports (platform role, read only) and enqueues one job per tenant, which deletes them in that
 * tenant's context, in batches of EXPORT_PURGE_BATCH. This process runs the workers, so those jobs
 * go through Redis for real.
 */

let t: TestApp;
let queue: Queue;
let processor: PurgeExpiredExportsJob;

beforeAll(async () => {
  t = await createTestApp();
  queue = t.app.get<Queue>(getQueueToken(EXPORT_PURGE_QUEUE));
  processor = t.app.get(PurgeExpiredExportsJob);
});
afterAll(async () => {
  await t?.close();
});

/** `count` exports of the tenant with an archive of `bytes` bytes each: built, expiring `expiresIn` ('-1 day': expired). */
async function exportsOf(tenantId: string, count: number, expiresIn: string | null, bytes = 100): Promise<string[]> {
  const { rows } = await t.owner.query<{ id: string }>(
    `insert into tenant_exports (tenant_id, id, status, archive, size_bytes, completed_at, expires_at)
     select $1, gen_random_uuid(), case when $3::interval is null then 'pending' else 'ready' end,
            case when $3::interval is null then null else convert_to(repeat('x', $4), 'UTF8') end,
            case when $3::interval is null then null else $4 end,
            case when $3::interval is null then null else now() - interval '7 days' + $3::interval end,
            now() + $3::interval
     from generate_series(1, $2)
     returning id`,
    [tenantId, count, expiresIn, bytes],
  );
  return rows.map((r) => r.id);
}

const remaining = async (tenantId: string): Promise<string[]> =>
  (await t.owner.query<{ id: string }>('select id from tenant_exports where tenant_id = $1 order by id', [tenantId])).rows.map((r) => r.id);

async function purgeJobsOf(tenantId: string): Promise<Job[]> {
  const jobs = await queue.getJobs(['waiting', 'prioritized', 'active', 'completed', 'failed', 'delayed']);
  return jobs.filter((j) => j.name === PURGE_EXPORTS_JOB && (j.data as { tenantId?: string }).tenantId === tenantId);
}

const fakeJob = (name: string, data: unknown) => ({ id: `test-${name}`, name, queueName: EXPORT_PURGE_QUEUE, data }) as unknown as Job;

describe('the export purge', () => {
  it('is scheduled every hour, once per deployment (a deterministic scheduler id)', async () => {
    const scheduler = await waitFor(() => queue.getJobScheduler(EXPORT_PURGE_SCHEDULER_ID), (s) => s !== undefined, 10_000, 'the purge scheduler');

    expect(scheduler).toMatchObject({ name: EXPORT_PURGE_SWEEP_JOB, every: EXPORT_PURGE_EVERY_MS });
  });

  // The scheduler also runs a sweep when the app starts; it may be the one that purges this tenant
  // (same job id within the hour): the outcome is the same either way.
  it('the sweep enqueues a job for each tenant with expired exports, which deletes them and their archives', async () => {
    const [expiring, unexpired] = [await t.makeTenant(), await t.makeTenant()];
    const expired = await exportsOf(expiring.id, 2, '-1 day', 1000);
    const [live] = await exportsOf(expiring.id, 1, '6 days');
    const [pending] = await exportsOf(expiring.id, 1, null);
    const untouched = await exportsOf(unexpired.id, 1, '1 hour');
    const admin = await t.makeMember(expiring.id, 'admin');

    await processor.process(fakeJob(EXPORT_PURGE_SWEEP_JOB, {}));

    // This sweep or the start-up one enqueued the tenant's job (one job id per tenant and hour:
    // whichever came second counted 0), so the job is what is checked, not this sweep's count.
    expect(await purgeJobsOf(unexpired.id)).toEqual([]);
    const [job] = await waitFor(
      () => purgeJobsOf(expiring.id),
      (jobs) => jobs.length > 0 && jobs.every((j) => j.finishedOn !== undefined),
      15_000,
      'the tenant purge job to run',
    );
    expect(await job!.getState()).toBe('completed');
    expect(job!.returnvalue).toEqual({ deleted: 2, bytes: 2000 });
    expect(await remaining(expiring.id)).toEqual([live!, pending!].sort());
    expect(await remaining(unexpired.id)).toEqual(untouched);
    expectProblem(await t.inject({ method: 'GET', url: `/api/v1/tenant/exports/${expired[0]}`, headers: admin.auth }), 404, 'export_not_found');
  });

  it(`deletes in batches of ${EXPORT_PURGE_BATCH} until none is left, in its own tenant only; again, nothing more`, async () => {
    const [many, other] = [await t.makeTenant(), await t.makeTenant()];
    await exportsOf(many.id, EXPORT_PURGE_BATCH * 2 + 3, '-1 minute', 10); // three batches: two full, then the rest
    const [kept] = await exportsOf(many.id, 1, '1 day');
    const othersExpired = await exportsOf(other.id, 2, '-1 day');
    // One batch holds EXPORT_PURGE_BATCH exports at most.
    const oneBatch = await t.app
      .get(TenantContext)
      .run({ tenantId: many.id }, () => t.app.get(TenantExportsRepository).expiredBatch(many.id, new Date(), EXPORT_PURGE_BATCH));
    expect(oneBatch).toHaveLength(EXPORT_PURGE_BATCH);

    expect(await processor.process(fakeJob(PURGE_EXPORTS_JOB, { tenantId: many.id }))).toEqual({ deleted: EXPORT_PURGE_BATCH * 2 + 3, bytes: (EXPORT_PURGE_BATCH * 2 + 3) * 10 });
    expect(await processor.process(fakeJob(PURGE_EXPORTS_JOB, { tenantId: many.id }))).toEqual({ deleted: 0, bytes: 0 });

    expect(await remaining(many.id)).toEqual([kept]);
    expect(await remaining(other.id)).toEqual(othersExpired.sort());
  });

  it('fails for good on an invalid payload (no retries)', async () => {
    await expect(processor.process(fakeJob(PURGE_EXPORTS_JOB, { tenantId: 'not-a-uuid' }))).rejects.toBeInstanceOf(UnrecoverableError);
  });
});
