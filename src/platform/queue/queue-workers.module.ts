import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AppQueues } from './app-queues.js';
import { FailedJobsController } from './failed-jobs.controller.js';
import { FailedJobsService } from './failed-jobs.service.js';
import { QueueProducer } from './queue-producer.js';
import { QueueWorkers } from './queue-workers.js';

/**
 * The job processors' lifecycle and the platform admins' view of failed jobs. Deliberately not
 * global: Nest destroys non-global modules before global ones (DbModule, RedisModule), so
 * QueueWorkers.onModuleDestroy stops the workers, and lets their running jobs finish, while the
 * database is still there.
 */
@Module({
  imports: [DiscoveryModule],
  controllers: [FailedJobsController],
  providers: [QueueWorkers, AppQueues, FailedJobsService, QueueProducer],
  exports: [QueueWorkers, AppQueues, QueueProducer],
})
export class QueueWorkersModule {}
