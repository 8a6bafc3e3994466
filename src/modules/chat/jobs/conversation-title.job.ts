import { Processor, WorkerHost } from '@nestjs/bullmq';
import { type Job, UnrecoverableError } from 'bullmq';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { runTenantJob } from '../../../platform/queue/tenant-job.js';
import { UsageError, UsageErrorCode } from '../../usage/usage.errors.js';
import { type TitleOutcome, ConversationTitlesService } from '../conversations/conversation-titles.service.js';
import { ProviderError } from '../providers/chat-provider.js';
import { CONVERSATION_TITLE_QUEUE, conversationTitlePayload } from './conversation-title.jobs.js';

/**
 * Writes a conversation's title with the tenant's model (job id: conversation-title-<tenantId>-<conversationId>).
 * Over quota, or a provider failure that a retry cannot fix (a refused key, a bad request), the job
 * fails for good without retrying: a platform admin can retry it from the failed jobs once fixed.
 */
@Processor(CONVERSATION_TITLE_QUEUE)
export class ConversationTitleJob extends WorkerHost {
  constructor(
    private readonly ctx: TenantContext,
    private readonly titles: ConversationTitlesService,
  ) {
    super();
  }

  async process(job: Job): Promise<TitleOutcome> {
    try {
      return (await runTenantJob(this.ctx, conversationTitlePayload, job, (payload) => this.titles.generate(payload.conversationId))).outcome;
    } catch (error) {
      throw permanent(error) ?? error;
    }
  }
}

/** The failures no retry can fix, as UnrecoverableError; undefined for the others. */
function permanent(error: unknown): UnrecoverableError | undefined {
  if (error instanceof UsageError && error.code === UsageErrorCode.QuotaExceeded) {
    const { metric, limit, used, resetAt } = error.extra as { metric: string; limit: number; used: number; resetAt: string | null };
    return new UnrecoverableError(`quota_exceeded: ${metric} limit ${limit}, used ${used}, resets ${resetAt ?? 'never'}`);
  }
  if (error instanceof ProviderError && !error.retryable) return new UnrecoverableError(`provider_failed: ${error.message}`);
  return undefined;
}
