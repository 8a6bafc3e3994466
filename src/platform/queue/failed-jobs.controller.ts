import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiReturns } from '../http/api-contract.js';
import type { Page } from '../http/pagination.js';
import { PlatformAdminOnly } from '../security/decorators.js';
import { type FailedJobView, JobRefParam, ListFailedJobsQuery, type QueueSummaryView, QueueRefParam, type RetriedJobsView, type RetriedJobView } from './failed-jobs.dto.js';
import { failedJobPageSchema, queueSummaryListSchema, retriedJobSchema, retriedJobsSchema } from './failed-jobs.responses.js';
import { FailedJobsService } from './failed-jobs.service.js';
import { QueueErrorCode } from './queue.errors.js';

/** Failed background jobs, across every queue (platform admins only). */
@ApiTags('admin')
@PlatformAdminOnly()
@Controller('admin/jobs')
export class FailedJobsController {
  constructor(private readonly jobs: FailedJobsService) {}

  /** Newest failure first; `?queue=` narrows to one queue. */
  @ApiOperation({ summary: 'Failed background jobs of every queue, newest first' })
  @ApiReturns(failedJobPageSchema)
  @ApiProblems(QueueErrorCode.QueueNotFound, QueueErrorCode.QueueUnavailable)
  @Get('failed')
  list(@Query() query: ListFailedJobsQuery): Promise<Page<FailedJobView>> {
    return this.jobs.list(query);
  }

  @ApiOperation({ summary: 'Every queue with its jobs by state (failed, waiting, active, delayed)' })
  @ApiReturns(queueSummaryListSchema)
  @ApiProblems(QueueErrorCode.QueueUnavailable)
  @Get('queues')
  async queues(): Promise<{ data: QueueSummaryView[] }> {
    return { data: await this.jobs.summaries() };
  }

  /** At most 500 per call (newest failures first); `remaining` says whether to call again. */
  @ApiOperation({ summary: 'Retry the failed jobs of a queue (at most 500 per call)' })
  @ApiReturns(retriedJobsSchema)
  @ApiProblems(QueueErrorCode.QueueNotFound, QueueErrorCode.QueueUnavailable)
  @Post(':queue/retry')
  @HttpCode(200)
  retryAll(@Param() params: QueueRefParam): Promise<RetriedJobsView> {
    return this.jobs.retryAll(params.queue);
  }

  @ApiOperation({ summary: 'Retry a failed job' })
  @ApiReturns(retriedJobSchema)
  @ApiProblems(QueueErrorCode.QueueNotFound, QueueErrorCode.JobNotFound, QueueErrorCode.JobNotFailed, QueueErrorCode.QueueUnavailable)
  @Post(':queue/:id/retry')
  @HttpCode(200)
  retry(@Param() params: JobRefParam): Promise<RetriedJobView> {
    return this.jobs.retry(params.queue, params.id);
  }
}
