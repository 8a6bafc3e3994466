import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../../../platform/config/config.js';
import type { AppError } from '../../../platform/http/app-error.js';
import { toProblem } from '../../../platform/http/problem.filter.js';
import { RedisClient } from '../../../platform/redis/redis.module.js';

/** One server-sent event of a reply: `delta` {text}, then exactly one of `done`, `error` or `stopped`. */
export interface ReplyFrame {
  event: 'delta' | 'done' | 'error' | 'stopped';
  data: Record<string, unknown>;
}

/** A reply being followed: its assistant message id, and its frames. */
export interface FollowedReply {
  messageId: string;
  frames: AsyncIterable<ReplyFrame> | Iterable<ReplyFrame>;
}

/** How long one XREAD waits before the follower looks at the stored message again. */
export const FOLLOW_BLOCK_MS = 2000;
/** A reply's stream outlives its deadline by this much, then Redis forgets it (the message row stays). */
const STREAM_TTL_MARGIN_MS = 600_000;

/** An `error` frame's data: the problem document (each follower adds its own instance and request id). */
export function problemData(error: AppError): Record<string, unknown> {
  return { ...toProblem(error).body };
}

export const isFinal = (frame: ReplyFrame): boolean => frame.event !== 'delta';

/**
 * Replies in progress as Redis Streams, one per assistant message (docs/adr/0016): the instance
 * generating a reply appends its frames; any instance follows them from the first (XREAD BLOCK),
 * so a client that re-attaches gets the whole text so far and then the rest, with no gap and no
 * duplicate. Stop requests travel on one pub/sub channel to whichever instance owns the reply.
 */
@Injectable()
export class ReplyStreams implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ReplyStreams');
  private subscriber: Redis | undefined;
  private readonly stopListeners = new Set<(messageId: string) => void>();
  private appendFailures = 0;

  constructor(
    private readonly redis: RedisClient,
    private readonly config: AppConfig,
  ) {}

  private key(messageId: string): string {
    return `${this.config.env.QUEUE_PREFIX}:chat:reply:${messageId}`;
  }

  private get stopChannel(): string {
    return `${this.config.env.QUEUE_PREFIX}:chat:reply-stop`;
  }

  /** Waits (boundedly) for the subscription, so that a started instance hears stop requests at once. */
  async onModuleInit(): Promise<void> {
    // Its own connection (a subscribed one can do nothing else), re-subscribed by ioredis after a reconnect.
    const subscriber = this.redis.redis.duplicate({ enableOfflineQueue: true, commandTimeout: undefined, maxRetriesPerRequest: null, enableAutoPipelining: false });
    subscriber.on('error', () => undefined);
    subscriber.on('message', (_channel: string, messageId: string) => {
      for (const listener of this.stopListeners) listener(messageId);
    });
    this.subscriber = subscriber;
    const subscribed = subscriber.subscribe(this.stopChannel).catch((error: unknown) => this.logger.warn(`cannot subscribe to stop requests yet: ${String(error)}`));
    // Redis down at start-up must not stop the API: ioredis subscribes once it connects.
    await Promise.race([subscribed, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  }

  onModuleDestroy(): void {
    this.subscriber?.disconnect();
  }

  onStop(listener: (messageId: string) => void): void {
    this.stopListeners.add(listener);
  }

  /** Asks every instance to stop the reply; the one running it aborts it. */
  async publishStop(messageId: string): Promise<void> {
    await this.redis.redis.publish(this.stopChannel, messageId);
  }

  /**
   * Appends a frame. A Redis failure does not fail the reply (it is stored all the same): followers
   * then read the outcome from the stored message.
   */
  async append(messageId: string, frame: ReplyFrame, ttlMs: number): Promise<void> {
    try {
      await this.redis.redis
        .multi()
        .xadd(this.key(messageId), '*', 'e', frame.event, 'd', JSON.stringify(frame.data))
        .pexpire(this.key(messageId), ttlMs + STREAM_TTL_MARGIN_MS)
        .exec();
      this.appendFailures = 0;
    } catch (error) {
      if (this.appendFailures++ === 0) this.logger.warn(`a reply's stream could not be written (followers fall back to the stored message): ${String(error)}`);
    }
  }

  /**
   * The reply's frames from the first, then as they come, until a final one. Every
   * FOLLOW_BLOCK_MS without news, `settled` is asked for the stored outcome: a reply whose stream
   * is gone or incomplete (its process died, Redis lost it) still ends, with that outcome.
   */
  async *follow(messageId: string, signal: AbortSignal, settled: () => Promise<ReplyFrame[] | undefined>): AsyncGenerator<ReplyFrame> {
    const reader = this.redis.redis.duplicate({ enableOfflineQueue: true, commandTimeout: FOLLOW_BLOCK_MS + 5000, maxRetriesPerRequest: 1, enableAutoPipelining: false });
    reader.on('error', () => undefined);
    const hangUp = (): void => reader.disconnect();
    signal.addEventListener('abort', hangUp, { once: true });
    let last = '0-0';
    try {
      while (!signal.aborted) {
        let entries: Array<[string, string[]]> = [];
        try {
          const answer = (await reader.xread('COUNT', 1000, 'BLOCK', FOLLOW_BLOCK_MS, 'STREAMS', this.key(messageId), last));
          entries = answer?.[0]?.[1] ?? [];
        } catch (error) {
          // Aborted while XREAD blocked: the signal changes under the await, which narrowing cannot see.
          // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
          if (signal.aborted) return;
          this.logger.warn(`following a reply's stream failed; reading the stored message: ${String(error)}`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        if (entries.length === 0) {
          const outcome = await settled();
          if (outcome) {
            yield* outcome;
            return;
          }
          continue;
        }
        for (const [id, fields] of entries) {
          last = id;
          const frame = parseFrame(fields);
          if (!frame) continue;
          yield frame;
          if (isFinal(frame)) return;
        }
      }
    } finally {
      signal.removeEventListener('abort', hangUp);
      reader.disconnect();
    }
  }
}

function parseFrame(fields: string[]): ReplyFrame | undefined {
  const value = (name: string): string | undefined => {
    const at = fields.indexOf(name);
    return at >= 0 && at % 2 === 0 ? fields[at + 1] : undefined;
  };
  const event = value('e');
  const data = value('d');
  if (!event || data === undefined || !['delta', 'done', 'error', 'stopped'].includes(event)) return undefined;
  return { event: event as ReplyFrame['event'], data: JSON.parse(data) as Record<string, unknown> };
}
