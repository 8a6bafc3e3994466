import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Page } from '../http/pagination.js';
import { PlatformAdminOnly } from '../security/decorators.js';
import { type FailedJobView, JobRefParam, ListFailedJobsQuery, type RetriedJobView } from './failed-jobs.dto.js';
import { FailedJobsService } from './failed-jobs.service.js';

/** Failed background jobs, across every queue (platform admins only). */
@ApiTags('admin')
@ApiBearerAuth()
@PlatformAdminOnly()
@Controller('admin/jobs')
export class FailedJobsController {
  constructor(private readonly jobs: FailedJobsService) {}

  /** Newest failure first; `?queue=` narrows to one queue. */
  @Get('failed')
  list(@Query() query: ListFailedJobsQuery): Promise<Page<FailedJobView>> {
    return this.jobs.list(query);
  }

  @Post(':queue/:id/retry')
  @HttpCode(200)
  retry(@Param() params: JobRefParam): Promise<RetriedJobView> {
    return this.jobs.retry(params.queue, params.id);
  }
}
