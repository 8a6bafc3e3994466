import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getQueueToken } from '@nestjs/bullmq';
import type { Job, Queue } from 'bullmq';
import { MetersModule } from '../../src/modules/billing/meters/meters.module.js';
import { FAN_OUT_JOB, METER_REPORT_QUEUE, meterReportJobId } from '../../src/modules/billing/meters/meter-report.jobs.js';
import { ReportUsageJob } from '../../src/modules/billing/meters/report-usage.job.js';
import { type FakeStripe, startFakeStripe } from '../support/fake-stripe.js';
import { createTestApp, type TestApp } from '../support/http-app.js';
import { BillingWorld } from './billing-helpers.js';

/**
 * Metered usage is reported to Stripe Billing Meters by a job per tenant: each completed UTC day
 * of tokens and messages becomes a usage record, sent as one meter event whose identifier is the
 * record id (Stripe drops duplicates), then marked reported. The processor is called directly.
 */

let t: TestApp;
let stripe: FakeStripe;
let world: BillingWorld;
let job: ReportUsageJob;

beforeAll(async () => {
  stripe = await startFakeStripe();
  t = await createTestApp({ imports: [MetersModule], env: stripe.env });
  world = new BillingWorld(t);
  job = t.app.get(ReportUsageJob);
});
afterAll(async () => {
  await world?.close();
  await t?.close();
  await stripe?.close();
});

const DAY_MS = 86_400_000;
const utcDay = (offset: number): string => new Date(Date.now() + offset * DAY_MS).toISOString().slice(0, 10);

async function usage(tenantId: string, metric: string, day: string, amount: number): Promise<void> {
  await t.owner.query('insert into usage_daily (tenant_id, metric, day, amount) values ($1, $2, $3, $4)', [tenantId, metric, day, amount]);
}

function runReport(tenantId: string) {
  const fake = { id: meterReportJobId(tenantId, new Date()), name: 'report-usage', queueName: 'billing-meter-report', data: { tenantId } };
  return job.process(fake as unknown as Job);
}

const eventsFor = (customer: string) =>
  [...stripe.meterEvents.values()].filter((e) => (e.payload as Record<string, string>).stripe_customer_id === customer);

async function recordsOf(tenantId: string) {
  const { rows } = await t.owner.query<{ id: string; metric: string; amount: string; reported_at: Date | null }>(
    'select id, metric, amount::text, reported_at from usage_meter_reports where tenant_id = $1 order by metric',
    [tenantId],
  );
  return rows;
}

describe('metered usage reported to Stripe Billing Meters', () => {
  it("sends one meter event per metric of yesterday, identified by the usage record id, and marks the records reported", async () => {
    const tenant = await t.makeTenant();
    const customer = await world.accountWithCustomer(stripe, tenant.id);
    await usage(tenant.id, 'tokens', utcDay(-1), 1200);
    await usage(tenant.id, 'messages', utcDay(-1), 7);
    await usage(tenant.id, 'tokens', utcDay(0), 999); // today is not complete: not reported

    expect(await runReport(tenant.id)).toEqual({ outcome: 'reported', events: 2 });

    const records = await recordsOf(tenant.id);
    expect(records.map((r) => [r.metric, r.amount])).toEqual([
      ['messages', '7'],
      ['tokens', '1200'],
    ]);
    expect(records.every((r) => r.reported_at !== null)).toBe(true);
    const events = eventsFor(customer);
    expect(events.map((e) => [e.event_name, e.identifier, (e.payload as Record<string, string>).value]).sort()).toEqual([
      ['tenantry_messages', records[0]!.id, '7'],
      ['tenantry_tokens', records[1]!.id, '1200'],
    ]);
    expect(stripe.count('POST', '/v1/billing/meter_events')).toBeGreaterThanOrEqual(2);
  });

  it('running it again sends nothing new', async () => {
    const tenant = await t.makeTenant();
    const customer = await world.accountWithCustomer(stripe, tenant.id);
    await usage(tenant.id, 'tokens', utcDay(-1), 50);
    expect(await runReport(tenant.id)).toEqual({ outcome: 'reported', events: 1 });
    const sent = stripe.count('POST', '/v1/billing/meter_events');

    expect(await runReport(tenant.id)).toEqual({ outcome: 'reported', events: 0 });
    expect(stripe.count('POST', '/v1/billing/meter_events')).toBe(sent);
    expect(eventsFor(customer)).toHaveLength(1);
  });

  it('a tenant without a Stripe customer sends nothing', async () => {
    const tenant = await t.makeTenant();
    await usage(tenant.id, 'tokens', utcDay(-1), 10);
    const sent = stripe.count('POST', '/v1/billing/meter_events');

    expect(await runReport(tenant.id)).toEqual({ outcome: 'no_customer' });
    expect(stripe.count('POST', '/v1/billing/meter_events')).toBe(sent);
    expect(await recordsOf(tenant.id)).toEqual([]);
  });

  it("another tenant's usage is never reported under this tenant's customer", async () => {
    const mine = await t.makeTenant();
    const other = await t.makeTenant();
    const customer = await world.accountWithCustomer(stripe, mine.id);
    await world.accountWithCustomer(stripe, other.id);
    await usage(mine.id, 'messages', utcDay(-2), 3);
    await usage(other.id, 'messages', utcDay(-2), 40_000);
    await usage(other.id, 'tokens', utcDay(-1), 80_000);

    expect(await runReport(mine.id)).toEqual({ outcome: 'reported', events: 1 });

    expect(eventsFor(customer).map((e) => (e.payload as Record<string, string>).value)).toEqual(['3']);
    expect(await recordsOf(other.id)).toEqual([]);
  });

  it('the daily fan-out enqueues one report job per tenant with a Stripe customer, and none for the others', async () => {
    const [billed, unbilled] = [await t.makeTenant(), await t.makeTenant()];
    await world.accountWithCustomer(stripe, billed.id);
    const queue = t.app.get<Queue>(getQueueToken(METER_REPORT_QUEUE));

    const fanOut = { id: 'fan-out-test', name: FAN_OUT_JOB, queueName: METER_REPORT_QUEUE, data: {} };
    await job.process(fanOut as unknown as Job);

    expect(await queue.getJob(meterReportJobId(billed.id, new Date()))).toMatchObject({ data: { tenantId: billed.id } });
    expect(await queue.getJob(meterReportJobId(unbilled.id, new Date()))).toBeUndefined();
  });
});
