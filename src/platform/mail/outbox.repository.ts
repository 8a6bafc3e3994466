import { Injectable } from '@nestjs/common';
import { PlatformDb } from '../db/platform-db.js';

/** A pending message claimed by this worker. `attempt` fences the claim (see markSent). */
export interface ClaimedEmail {
  id: string;
  toAddress: string;
  template: string;
  payload: unknown;
  attempt: number;
  /** The row's stable Message-ID: the same on every attempt. */
  messageId: string;
}

/**
 * The mailer's access to email_outbox, through the platform role: the tenant role may only add
 * rows. Platform infrastructure, never reached from a route.
 */
@Injectable()
export class OutboxRepository {
  constructor(private readonly platform: PlatformDb) {}

  /**
   * Claims up to `limit` due messages for `leaseSeconds`: one statement, rows picked with FOR UPDATE
   * SKIP LOCKED, so concurrent workers claim disjoint sets, and a claimed row is not due again
   * until its lease runs out. Each claim counts as an attempt. The first claim also fixes the
   * row's Message-ID (`<row id@messageIdDomain>`), which every later attempt reuses.
   */
  claim(limit: number, leaseSeconds: number, messageIdDomain: string): Promise<ClaimedEmail[]> {
    return this.platform.client.$queryRaw<ClaimedEmail[]>`
      UPDATE email_outbox AS o
         SET available_at = now() + make_interval(secs => ${leaseSeconds}::int), attempts = o.attempts + 1,
             message_id = coalesce(o.message_id, '<' || o.id::text || '@' || ${messageIdDomain} || '>')
       WHERE o.id IN (SELECT id FROM email_outbox
                       WHERE status = 'pending' AND available_at <= now()
                       ORDER BY available_at
                       LIMIT ${limit}::int
                         FOR UPDATE SKIP LOCKED)
      RETURNING o.id, o.to_address AS "toAddress", o.template, o.payload, o.attempts AS attempt, o.message_id AS "messageId"`;
  }

  /**
   * Records a delivery. Only the holder of the latest claim may: if the lease ran out and another
   * worker claimed the row again (attempts moved on), this changes nothing.
   */
  async markSent(id: string, attempt: number): Promise<boolean> {
    // One short statement (no read first, no transaction around it): the window between SMTP
    // acceptance and "sent" is as small as one round trip.
    const count = await this.platform.client.$executeRaw`
      UPDATE email_outbox SET status = 'sent', sent_at = now(), last_error = NULL
       WHERE id = ${id}::uuid AND status = 'pending' AND attempts = ${attempt}::int`;
    return count === 1;
  }

  /** Records a failed attempt: retry at `retryAt`, or give up (status failed) when it is null. */
  async markFailed(id: string, attempt: number, error: string, retryAt: Date | null): Promise<void> {
    await this.platform.client.emailOutbox.updateMany({
      where: { id, status: 'pending', attempts: attempt },
      data: retryAt ? { lastError: error, availableAt: retryAt } : { lastError: error, status: 'failed' },
    });
  }
}
