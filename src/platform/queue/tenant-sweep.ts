import { WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import type { TenantContext } from '../context/tenant-context.js';
import type { QueueProducer } from './queue-producer.js';
import { runTenantJob, tenantJobPayload } from './tenant-job.js';

/** Where and how often a tenant sweep runs. */
export interface TenantSweepSchedule {
  /** Its queue (registered with registerQueues). */
  queue: string;
  /** The repeatable job's scheduler id: the same on every instance, so one schedule per deployment. */
  schedulerId: string;
  everyMs: number;
  /** The repeatable job that finds the tenants with work. */
  sweepJob: string;
  /** The per-tenant job. */
  tenantJob: string;
  /** Per-tenant job ids are `<prefix>-<tenantId>-<interval number>`: one per tenant and interval (BullMQ refuses ':' in ids). */
  jobIdPrefix: string;
  /** Logged with the number of tenants a sweep found work for. */
  found: string;
}

export const tenantSweepJobId = (schedule: TenantSweepSchedule, tenantId: string, at: Date): string =>
  `${schedule.jobIdPrefix}-${tenantId}-${Math.floor(at.getTime() / schedule.everyMs)}`;

/**
 * A periodic clean-up that visits each tenant with something to clean (expired reservations,
 * interrupted replies, expired exports). The repeatable sweep job asks `tenantsWithWork` (the one
 * cross-tenant read, through the platform role, read only) and enqueues one job per tenant; that
 * job runs `work()` in the tenant's context, under RLS (runTenantJob: payload checked, tenant
 * entered). Both are idempotent, and a tenant's job id is fixed per interval, so overlapping
 * sweeps or instances do not repeat work. The schedule is upserted at start-up (QueueProducer).
 */
export abstract class TenantSweepProcessor<Outcome> extends WorkerHost implements OnApplicationBootstrap {
  protected abstract readonly schedule: TenantSweepSchedule;
  private readonly logger = new Logger(this.constructor.name);

  constructor(
    private readonly queue: Queue,
    private readonly producer: QueueProducer,
    private readonly ctx: TenantContext,
  ) {
    super();
  }

  /** The tenants that have work now (cross-tenant, read only). */
  protected abstract tenantsWithWork(now: Date): Promise<string[]>;

  /** The work, in the tenant's context. */
  protected abstract work(): Promise<Outcome>;

  onApplicationBootstrap(): void {
    this.producer.schedule(this.queue, this.schedule.schedulerId, { every: this.schedule.everyMs }, this.schedule.sweepJob);
  }

  async process(job: Job): Promise<Outcome | { enqueued: number }> {
    if (job.name !== this.schedule.sweepJob) return runTenantJob(this.ctx, tenantJobPayload, job, () => this.work());
    const now = new Date();
    const tenants = await this.tenantsWithWork(now);
    for (const tenantId of tenants) await this.enqueue(tenantId, now);
    if (tenants.length > 0) this.logger.log({ tenants: tenants.length }, this.schedule.found);
    return { enqueued: tenants.length };
  }

  private enqueue(tenantId: string, at: Date): Promise<unknown> {
    const { tenantJob } = this.schedule;
    return this.producer.run(`enqueueing ${tenantJob}`, () =>
      this.queue.add(tenantJob, { tenantId }, { jobId: tenantSweepJobId(this.schedule, tenantId, at), removeOnComplete: { age: 3600 } }),
    );
  }
}
