import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { TenantDb } from '../db/tenant-db.js';
import { MailQueue } from './mail-queue.js';

/** Templates the mailer knows how to render (src/platform/mail/templates.ts). */
export type EmailTemplate = 'invitation' | 'password_reset' | 'welcome';

export interface OutgoingEmail {
  to: string;
  template: EmailTemplate;
  /** Template variables. Links may carry single-use tokens: the outbox row is never exposed by the API. */
  data: Record<string, string>;
}

/**
 * The transactional outbox for email: `enqueue` writes the message in the unit of work in progress,
 * so it is sent if and only if the change that caused it commits. The mailer (platform
 * infrastructure) delivers pending rows. The tenant-facing role may only INSERT here (no SELECT,
 * hence createMany: it returns no row).
 */
@Injectable()
export class EmailOutbox {
  constructor(
    private readonly db: TenantDb,
    private readonly queue: MailQueue,
  ) {}

  async enqueue(email: OutgoingEmail): Promise<string> {
    const id = randomUUID();
    await this.db.client.emailOutbox.createMany({
      data: [{ id, toAddress: email.to.trim().toLowerCase(), template: email.template, payload: email.data }],
    });
    // A delayed drain, for after the commit; never awaited (see MailQueue).
    this.queue.nudge();
    return id;
  }
}
