import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { TenantDb } from '../db/tenant-db.js';
import { MailQueue } from './mail-queue.js';

/** Templates the mailer knows how to render (src/platform/mail/templates.ts). */
export type EmailTemplate = 'invitation' | 'password_reset' | 'welcome' | 'owner_added';

export interface OutgoingEmail {
  to: string;
  template: EmailTemplate;
  /** Template variables. Links may carry single-use tokens: the outbox row is never exposed by the API. */
  data: Record<string, string>;
}

export interface OutboxRow {
  id: string;
  toAddress: string;
  template: EmailTemplate;
  payload: Record<string, string>;
}

/** The email_outbox row of a message (address normalized), for `enqueue` and for platform transactions. */
export function outboxRow(email: OutgoingEmail): OutboxRow {
  return { id: randomUUID(), toAddress: email.to.trim().toLowerCase(), template: email.template, payload: email.data };
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
    const row = outboxRow(email);
    await this.db.client.emailOutbox.createMany({ data: [row] });
    // A delayed drain, for after the commit; never awaited (see MailQueue).
    this.queue.nudge();
    return row.id;
  }

  /**
   * Asks for a drain soon: for a platform transaction that wrote `outboxRow`s itself (PlatformDb),
   * once it has committed. Never waits; the repeatable drain picks the rows up anyway.
   */
  nudge(): void {
    this.queue.nudge();
  }
}
