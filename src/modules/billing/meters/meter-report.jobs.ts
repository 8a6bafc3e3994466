import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QueueProducer } from '../../../platform/queue/queue-producer.js';

export const METER_REPORT_QUEUE = 'billing-meter-report';

/** One report per tenant and UTC day (BullMQ refuses ':' in custom ids). */
export const meterReportJobId = (tenantId: string, at: Date): string =>
  `meter-report-${tenantId}-${at.toISOString().slice(0, 10).replace(/-/g, '')}`;

/** The daily fan-out job: one report job per tenant with a Stripe customer. */
export const FAN_OUT_JOB = 'schedule-reports';

/**
 * Enqueues the daily metered-usage report of a tenant. The deterministic id makes a second
 * enqueue on the same day a no-op. Every instance upserts the same daily scheduler (one per
 * deployment), whose fan-out job enqueues the report of every tenant with a billing account.
 */
@Injectable()
export class MeterReportJobs implements OnApplicationBootstrap {

  constructor(
    @InjectQueue(METER_REPORT_QUEUE) private readonly queue: Queue,
    private readonly producer: QueueProducer,
  ) {}

  onApplicationBootstrap(): void {
    this.producer.schedule(this.queue, 'meter-report-daily', { pattern: '0 15 0 * * *', tz: 'UTC' }, FAN_OUT_JOB);
  }

  async enqueue(tenantId: string, at: Date = new Date()): Promise<void> {
    await this.producer.run('enqueueing a meter report', () =>
      this.queue.add(
        'report-usage',
        { tenantId },
        { jobId: meterReportJobId(tenantId, at), attempts: 8, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: { age: 2 * 86_400 } },
      ),
    );
  }
}
