import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../../platform/config/config.js';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { ConversationsRepository } from './conversations.repository.js';

/** What a reply whose process died says, instead of never ending. */
export const INTERRUPTED_REPLY = 'interrupted: the reply was cut off before it was complete (the server stopped); send the message again';

/**
 * A pending reply is interrupted once it began this long before CHAT_REPLY_DEADLINE_MS ago: a live
 * process has stored its outcome by then (the deadline aborts the call; storing takes one
 * statement), so only a dead one leaves it pending. Covers clock skew of seconds between instances.
 */
export const INTERRUPTED_REPLY_MARGIN_MS = 60_000;

/** Replies failed per statement; a tenant's job repeats until none is left. */
export const INTERRUPTED_REPLIES_BATCH = 500;

export interface InterruptedRepliesOutcome {
  failed: number;
}

/**
 * Marks the tenant's interrupted replies failed, so that no reply stays "in progress" for ever.
 * Their usage reservations are given back by the usage reconciliation, which knows nothing of
 * messages; the conversation goes on as after any failed reply (failed ones are not sent as history).
 */
@Injectable()
export class InterruptedRepliesService {
  private readonly logger = new Logger('InterruptedReplies');

  constructor(
    private readonly ctx: TenantContext,
    private readonly config: AppConfig,
    private readonly repository: ConversationsRepository,
  ) {}

  /** Replies that began before this are interrupted if still pending. */
  cutoff(now: Date): Date {
    return new Date(now.getTime() - this.config.env.CHAT_REPLY_DEADLINE_MS - INTERRUPTED_REPLY_MARGIN_MS);
  }

  async failInterrupted(now = new Date()): Promise<InterruptedRepliesOutcome> {
    this.ctx.requirePermission('chat:use');
    const tenantId = this.ctx.requireTenantId('failing interrupted replies');
    const begunBefore = this.cutoff(now);
    let failed = 0;
    for (;;) {
      const ids = await this.repository.failPendingReplies(tenantId, begunBefore, INTERRUPTED_REPLY, INTERRUPTED_REPLIES_BATCH);
      failed += ids.length;
      if (ids.length < INTERRUPTED_REPLIES_BATCH) break;
    }
    if (failed > 0) this.logger.warn({ tenantId, failed }, 'marked interrupted chat replies failed');
    return { failed };
  }
}
