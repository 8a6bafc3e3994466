import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import { databaseFaultOf } from '../db/connection-errors.js';
import { MailTransport } from './mail-transport.js';
import { type ClaimedEmail, OutboxRepository } from './outbox.repository.js';
import { renderEmail, TemplateError } from './templates.js';

/** A message is given up (status failed) after this many attempts. */
export const MAX_ATTEMPTS = 5;
/** How long a claim holds a row: far above the SMTP timeouts of one send (mail-transport.ts). */
export const LEASE_SECONDS = 300;
const BATCH_SIZE = 20;
/** Bounds one drain job; what is left is the next job's work. */
const MAX_BATCHES_PER_DRAIN = 10;
/** Recording "sent" is retried this many times (backoff 0.25 s, 0.5 s, ... ~8 s in all) when the database is away. */
const MARK_SENT_TRIES = 6;

/** Backoff after the n-th failed attempt: 30 s, 1 min, 2 min, 4 min, ... at most an hour. */
export function retryDelayMs(attempt: number): number {
  return Math.min(30_000 * 2 ** Math.max(attempt - 1, 0), 3_600_000);
}

export interface DrainResult {
  sent: number;
  retrying: number;
  failed: number;
}

/**
 * Delivers pending outbox rows: claim (a lease, so two workers never send one message twice),
 * render, send, record. A failure keeps the error and retries later with backoff; after
 * MAX_ATTEMPTS, or at once when the row can never render, the message is marked failed.
 */
@Injectable()
export class OutboxDelivery {
  private readonly logger = new Logger('Mail');

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly transport: MailTransport,
  ) {}

  async drain(): Promise<DrainResult> {
    const result: DrainResult = { sent: 0, retrying: 0, failed: 0 };
    for (let batch = 0; batch < MAX_BATCHES_PER_DRAIN; batch++) {
      const claimed = await this.outbox.claim(BATCH_SIZE, LEASE_SECONDS, this.transport.messageIdDomain);
      for (const email of claimed) result[await this.deliver(email)]++;
      if (claimed.length < BATCH_SIZE) break;
    }
    return result;
  }

  private async deliver(email: ClaimedEmail): Promise<keyof DrainResult> {
    try {
      const rendered = renderEmail(email.template, email.payload);
      await this.transport.send({ id: email.id, messageId: email.messageId, to: email.toAddress, ...rendered });
    } catch (error) {
      const permanent = error instanceof TemplateError || email.attempt >= MAX_ATTEMPTS;
      const message = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
      await this.outbox.markFailed(email.id, email.attempt, message, permanent ? null : new Date(Date.now() + retryDelayMs(email.attempt)));
      this.logger.warn({ outboxId: email.id, attempt: email.attempt, error: message }, permanent ? 'email given up' : 'email delivery failed; will retry');
      return permanent ? 'failed' : 'retrying';
    }
    await this.markSent(email);
    return 'sent';
  }

  /**
   * Right after SMTP accepted the message. If the database is away at that moment, retry for a
   * few seconds rather than leave the row to be sent again when its lease runs out; a duplicate
   * that still happens carries the same Message-ID (at least once, recognisably).
   */
  private async markSent(email: ClaimedEmail): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.outbox.markSent(email.id, email.attempt);
        return;
      } catch (error) {
        if (attempt >= MARK_SENT_TRIES || !databaseFaultOf(error)) throw error;
        this.logger.warn({ outboxId: email.id, attempt }, 'email sent but not yet recorded; retrying');
        await sleep(250 * 2 ** (attempt - 1));
      }
    }
  }
}
