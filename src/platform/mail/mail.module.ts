import { Global, Module } from '@nestjs/common';
import { EmailOutbox } from './email-outbox.js';
import { MailDeliveryModule } from './mail-delivery.module.js';
import { MAIL_QUEUE, MailQueue } from './mail-queue.js';
import { registerQueues } from '../queue/register-queues.js';

/**
 * Outgoing email (docs/adr/0004-email-outbox.md): EmailOutbox for every module (write a message in
 * the unit of work that causes it), and the worker that delivers the outbox through nodemailer.
 */
@Global()
@Module({
  imports: [registerQueues(MAIL_QUEUE), MailDeliveryModule],
  providers: [EmailOutbox, MailQueue],
  exports: [EmailOutbox],
})
export class MailModule {}
