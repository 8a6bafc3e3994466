import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getQueueToken } from '@nestjs/bullmq';
import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import { ReconcileReservationsJob } from '../../src/modules/usage/jobs/reconcile-reservations.job.js';
import {
  RECONCILE_JOB,
  RESERVATION_RECONCILIATION_QUEUE,
  SWEEP_EVERY_MS,
  SWEEP_JOB,
  SWEEP_SCHEDULER_ID,
} from '../../src/modules/usage/jobs/reservation-reconciliation.jobs.js';
import { UsageService } from '../../src/modules/usage/usage.service.js';
import { TenantContext } from '../../src/platform/context/tenant-context.js';
import { createTestApp, type TestApp } from '../support/http-app.js';
import { waitFor } from './billing-helpers.js';

/**
 * The reconciliation job in the real application: a sweep, scheduled every minute, finds the
 * tenants with expired reservations (platform role, read only) and enqueues one job per tenant;
 * that job gives the reservations back in the tenant's context. This process runs the workers
 * (WORKER_ENABLED defaults to true), so the per-tenant jobs run through Redis for real.
 */

let t: TestApp;
let queue: Queue;
let processor: ReconcileReservationsJob;

beforeAll(async () => {
  t = await createTestApp();
  queue = t.app.get<Queue>(getQueueToken(RESERVATION_RECONCILIATION_QUEUE));
  processor = t.app.get(ReconcileReservationsJob);
});
afterAll(async () => {
  await t?.close();
});

/** A reservation made `agoMs` before now by a process that then died: never settled nor released. */
function abandonedReservation(tenantId: string, amounts: { messages?: number; tokens?: number }, agoMs: number) {
  return t.app.get(TenantContext).run({ tenantId }, () => t.app.get(UsageService).reserve(amounts, new Date(Date.now() - agoMs)));
}

async function reserved(tenantId: string): Promise<Record<string, number>> {
  const { rows } = await t.owner.query<{ metric: string; reserved: string }>('select metric, reserved::text from usage_counters where tenant_id = $1', [tenantId]);
  return Object.fromEntries(rows.map((r) => [r.metric, Number(r.reserved)]));
}

async function reconcileJobsOf(tenantId: string): Promise<Job[]> {
  const jobs = await queue.getJobs(['waiting', 'prioritized', 'active', 'completed', 'failed', 'delayed']);
  return jobs.filter((j) => j.name === RECONCILE_JOB && (j.data as { tenantId?: string }).tenantId === tenantId);
}

const fake = (name: string, data: unknown) => ({ id: `test-${name}`, name, queueName: RESERVATION_RECONCILIATION_QUEUE, data }) as unknown as Job;

describe('the reservation reconciliation job', () => {
  it('is scheduled every minute, once per deployment (a deterministic scheduler id)', async () => {
    const scheduler = await waitFor(() => queue.getJobScheduler(SWEEP_SCHEDULER_ID), (s) => s !== undefined, 10_000, 'the sweep scheduler');

    expect(scheduler).toMatchObject({ name: SWEEP_JOB, every: SWEEP_EVERY_MS });
  });

  it('the sweep enqueues a job for each tenant with expired reservations, which releases them in that tenant', async () => {
    const ttl = t.config.env.USAGE_RESERVATION_TTL_MS;
    const [expired, live, idle] = [await t.makeTenant(), await t.makeTenant(), await t.makeTenant()];
    await abandonedReservation(expired.id, { messages: 1, tokens: 800 }, ttl + 60_000);
    await abandonedReservation(expired.id, { messages: 1, tokens: 200 }, ttl + 30_000);
    await abandonedReservation(live.id, { messages: 1, tokens: 500 }, 0); // in flight: not expired

    const sweep = (await processor.process(fake(SWEEP_JOB, {}))) as { enqueued: number };

    expect(sweep.enqueued).toBeGreaterThanOrEqual(1);
    expect(await reconcileJobsOf(live.id)).toEqual([]);
    expect(await reconcileJobsOf(idle.id)).toEqual([]);
    const [job] = await waitFor(
      () => reconcileJobsOf(expired.id),
      (jobs) => jobs.length > 0 && jobs.every((j) => j.finishedOn !== undefined),
      15_000,
      'the tenant reconciliation job to run',
    );
    expect(await job!.getState()).toBe('completed');
    expect(job!.returnvalue).toMatchObject({ reservations: 2, forgotten: 0 });
    expect(await reserved(expired.id)).toEqual({ messages: 0, tokens: 0 });
    expect(await reserved(live.id)).toEqual({ messages: 1, tokens: 500 });
  });

  it('running the tenant job again releases nothing more', async () => {
    const tenant = await t.makeTenant();
    await abandonedReservation(tenant.id, { tokens: 300 }, t.config.env.USAGE_RESERVATION_TTL_MS + 1000);
    await abandonedReservation(tenant.id, { tokens: 40 }, 0);

    expect(await processor.process(fake(RECONCILE_JOB, { tenantId: tenant.id }))).toMatchObject({ reservations: 1 });
    expect(await processor.process(fake(RECONCILE_JOB, { tenantId: tenant.id }))).toMatchObject({ reservations: 0 });

    expect(await reserved(tenant.id)).toEqual({ tokens: 40 });
  });

  it('fails for good on an invalid payload (no retries)', async () => {
    await expect(processor.process(fake(RECONCILE_JOB, { tenantId: 'not-a-uuid' }))).rejects.toBeInstanceOf(UnrecoverableError);
  });
});
