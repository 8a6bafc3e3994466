import { Module } from '@nestjs/common';
import { PlatformDbModule } from '../db/platform-db.module.js';
import { DeliverEmailProcessor } from './jobs/deliver-email.job.js';
import { MailTransport } from './mail-transport.js';
import { OutboxDelivery } from './outbox-delivery.js';
import { OutboxRepository } from './outbox.repository.js';

/**
 * The mail worker: platform infrastructure that reads and updates email_outbox through the
 * platform role (docs/adr/0004-email-outbox.md). Never reached from a route.
 */
@Module({
  imports: [PlatformDbModule],
  providers: [MailTransport, OutboxRepository, OutboxDelivery, DeliverEmailProcessor],
  exports: [OutboxDelivery],
})
export class MailDeliveryModule {}
