import { Module } from '@nestjs/common';
import { AuditEventsController } from './audit-events.controller.js';
import { AuditEventsRepository } from './audit-events.repository.js';
import { AuditEventsService } from './audit-events.service.js';

/** The HTTP side of the tenant audit log (AuditLog, in src/platform/audit, writes and verifies it). */
@Module({
  controllers: [AuditEventsController],
  providers: [AuditEventsService, AuditEventsRepository],
})
export class AuditApiModule {}
