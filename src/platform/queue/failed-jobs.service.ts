import { Injectable, Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { z } from 'zod';
import { AuditLog } from '../audit/audit-log.js';
import { TenantContext } from '../context/tenant-context.js';
import { decodeCursor, encodeCursor, type Page } from '../http/pagination.js';
import { AccessError, AccessErrorCode } from '../security/access.errors.js';
import { isUuid } from '../util/uuid.js';
import { AppQueues } from './app-queues.js';
import type { FailedJobView, ListFailedJobsQuery, QueueSummaryView, RetriedJobsView, RetriedJobView } from './failed-jobs.dto.js';
import { QueueError, QueueErrorCode } from './queue.errors.js';

/** The cursor is the position in the merged list (newest failure first); admin lists are short. */
const cursorSchema = z.object({ offset: z.number().int().min(0).max(100_000) });

/** Failed jobs one "retry all" puts back at most: a bounded amount of work per request; call again for more. */
export const RETRY_ALL_BATCH = 500;
/** Lines of a stack trace shown: the error and where it was thrown, not the whole framework stack. */
const STACK_LINES = 8;
/** Job ids named in one audit event of a "retry all" (the count is always complete). */
const AUDITED_JOB_IDS = 50;

/**
 * Failed jobs across the application's queues, for platform administrators: what failed, for
 * which tenant, why, after how many attempts; and a retry once the cause is fixed. BullMQ keeps
 * failed jobs for 30 days (QueueModule's removeOnFail).
 */
@Injectable()
export class FailedJobsService {
  private readonly logger = new Logger('FailedJobs');

  constructor(
    private readonly ctx: TenantContext,
    private readonly queues: AppQueues,
    private readonly audit: AuditLog,
  ) {}

  async list(query: ListFailedJobsQuery): Promise<Page<FailedJobView>> {
    this.requirePlatformAdmin();
    const queues = query.queue ? [this.queue(query.queue)] : this.queues.all();
    const offset = decodeCursor(query.cursor, cursorSchema)?.offset ?? 0;
    const end = offset + query.limit; // inclusive: one more than a page tells whether a next page exists
    const jobs = (await Promise.all(queues.map((queue) => queue.getFailed(0, end)))).flat();
    jobs.sort((a, b) => (b.finishedOn ?? b.timestamp) - (a.finishedOn ?? a.timestamp) || String(a.id).localeCompare(String(b.id)));
    const page = jobs.slice(offset, end);
    return {
      data: page.map(view),
      nextCursor: jobs.length > end ? encodeCursor({ offset: end }) : null,
    };
  }

  /** Puts a failed job back in its queue, with a fresh set of attempts. Audited in its tenant's log. */
  async retry(queueName: string, id: string): Promise<RetriedJobView> {
    this.requirePlatformAdmin();
    const job = await this.queue(queueName).getJob(id);
    if (!job) throw new QueueError(QueueErrorCode.JobNotFound, `No job ${id} in queue ${queueName}`);
    if (!(await job.isFailed())) throw new QueueError(QueueErrorCode.JobNotFailed, `Job ${id} is ${await job.getState()}, not failed`);
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    const tenantId = tenantOf(job);
    if (tenantId) {
      await this.ctx.run({ ...this.ctx.current(), tenantId, actor: 'platform_admin' }, () =>
        this.audit.record({ action: 'admin.job_retried', targetType: 'job', targetId: `${queueName}/${id}`, data: { name: job.name } }, { tenantId }),
      );
    }
    this.logger.log({ adminUserId: this.ctx.userId, queue: queueName, jobId: id, tenantId }, 'failed job retried');
    return { queue: queueName, id, state: await job.getState() };
  }

  /** Every queue, with its jobs by state (failed first of all), sorted by name. */
  async summaries(): Promise<QueueSummaryView[]> {
    this.requirePlatformAdmin();
    const summaries = await Promise.all(
      this.queues.all().map(async (queue) => {
        const counts = await queue.getJobCounts('failed', 'waiting', 'active', 'delayed');
        return { queue: queue.name, failed: counts.failed ?? 0, waiting: counts.waiting ?? 0, active: counts.active ?? 0, delayed: counts.delayed ?? 0 };
      }),
    );
    return summaries.sort((a, b) => a.queue.localeCompare(b.queue));
  }

  /**
   * Retries the failed jobs of a queue, at most RETRY_ALL_BATCH of them (newest failures first),
   * each as `retry` does. A job that stopped being failed meanwhile (retried, removed) is skipped.
   * One audit event per tenant concerned, one log line.
   */
  async retryAll(queueName: string): Promise<RetriedJobsView> {
    this.requirePlatformAdmin();
    const queue = this.queue(queueName);
    const failed = await queue.getFailed(0, RETRY_ALL_BATCH - 1);
    const retried: Job[] = [];
    for (const job of failed) {
      const ok = await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true }).then(
        () => true,
        () => false,
      );
      if (ok) retried.push(job);
    }
    const byTenant = new Map<string, string[]>();
    for (const job of retried) {
      const tenantId = tenantOf(job);
      if (tenantId) byTenant.set(tenantId, [...(byTenant.get(tenantId) ?? []), String(job.id)]);
    }
    for (const [tenantId, ids] of byTenant) {
      await this.ctx.run({ ...this.ctx.current(), tenantId, actor: 'platform_admin' }, () =>
        this.audit.record(
          { action: 'admin.jobs_retried', targetType: 'queue', targetId: queueName, data: { count: ids.length, jobIds: ids.slice(0, AUDITED_JOB_IDS) } },
          { tenantId },
        ),
      );
    }
    const remaining = await queue.getFailedCount();
    this.logger.log({ adminUserId: this.ctx.userId, queue: queueName, retried: retried.length, remaining, tenants: byTenant.size }, 'failed jobs retried');
    return { queue: queueName, retried: retried.length, remaining };
  }

  private queue(name: string) {
    const queue = this.queues.get(name);
    if (!queue) throw new QueueError(QueueErrorCode.QueueNotFound, `No queue named ${name}`);
    return queue;
  }

  private requirePlatformAdmin(): void {
    if (!this.ctx.current()?.isPlatformAdmin) throw new AccessError(AccessErrorCode.PlatformAdminRequired, 'Platform administrators only');
  }
}

function tenantOf(job: Job): string | null {
  const tenantId = (job.data as { tenantId?: unknown } | null)?.tenantId;
  return typeof tenantId === 'string' && isUuid(tenantId) ? tenantId : null;
}

const iso = (ms: number | undefined): string | null => (ms ? new Date(ms).toISOString() : null);

function view(job: Job): FailedJobView {
  return {
    queue: job.queueName,
    id: String(job.id),
    name: job.name,
    tenantId: tenantOf(job),
    failedReason: job.failedReason,
    stacktrace: (job.stacktrace?.at(-1) ?? '').split('\n').filter(Boolean).slice(0, STACK_LINES),
    attemptsMade: job.attemptsMade,
    attemptsAllowed: job.opts.attempts ?? 1,
    createdAt: new Date(job.timestamp).toISOString(),
    processedAt: iso(job.processedOn),
    failedAt: iso(job.finishedOn),
  };
}
