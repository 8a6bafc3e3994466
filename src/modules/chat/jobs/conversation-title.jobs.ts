import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { z } from 'zod';
import { QueueProducer } from '../../../platform/queue/queue-producer.js';
import { tenantJobPayload } from '../../../platform/queue/tenant-job.js';

export const CONVERSATION_TITLE_QUEUE = 'chat-conversation-titles';
export const CONVERSATION_TITLE_JOB = 'chat.conversation-title';

export const conversationTitlePayload = tenantJobPayload.extend({ conversationId: z.guid() });
export type ConversationTitlePayload = z.output<typeof conversationTitlePayload>;

/** One title job per conversation, however many replies ask for it (BullMQ refuses ':' in custom ids). */
export const conversationTitleJobId = (tenantId: string, conversationId: string): string => `conversation-title-${tenantId}-${conversationId}`;

/** Provider failures retry: 4 attempts, 2 s, 4 s, 8 s apart (each attempt already retries the call itself, PROVIDER_MAX_RETRIES). */
export const CONVERSATION_TITLE_ATTEMPTS = 4;
const BACKOFF_MS = 2_000;

/** Schedules the title of a conversation (docs/adr/0010-conversation-titles.md). */
@Injectable()
export class ConversationTitleJobs {
  private readonly logger = new Logger(ConversationTitleJobs.name);

  constructor(
    @InjectQueue(CONVERSATION_TITLE_QUEUE) private readonly queue: Queue,
    private readonly producer: QueueProducer,
  ) {}

  /**
   * Enqueues the title job and returns at once: the chat reply that asks for it never waits on
   * Redis (with Redis away, BullMQ would wait for it to come back) and never fails because of it.
   * A title that could not be enqueued is logged; the conversation keeps its placeholder title.
   */
  request(payload: ConversationTitlePayload): void {
    const jobId = conversationTitleJobId(payload.tenantId, payload.conversationId);
    this.producer
      .run('enqueueing a conversation title', () =>
        this.queue.add(CONVERSATION_TITLE_JOB, payload, { jobId, attempts: CONVERSATION_TITLE_ATTEMPTS, backoff: { type: 'exponential', delay: BACKOFF_MS } }),
      )
      .catch((error: unknown) => {
        this.logger.warn({ err: error, tenantId: payload.tenantId, conversationId: payload.conversationId }, 'could not enqueue the conversation title job');
      });
  }
}
