import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AppConfig } from '../../../platform/config/config.js';
import { ReplyStreams } from './reply-streams.js';

/** Why a running reply was aborted: its user stopped it, or the process is shutting down. */
export type AbortReason = 'stopped' | 'shutdown';

interface Running {
  controller: AbortController;
  done: Promise<unknown>;
}

/**
 * The replies this process is generating, by assistant message id (docs/adr/0016). A reply runs
 * detached from the HTTP request that started it: a client that goes away does not end it. It
 * ends when the model is done, at its deadline, when a user stops it (here, or on another
 * instance through ReplyStreams' stop channel), or at shutdown.
 *
 * Shutdown (issue 9 §4): when the HTTP server starts closing (Fastify's preClose, the start of
 * the SIGTERM grace period), running replies get until SHUTDOWN_GRACE_MS minus a margin to finish;
 * then they are aborted, and each stores itself as failed and releases its reservation. The
 * module's destroy hook (which Nest runs before the database pools close) waits for that.
 */
@Injectable()
export class LiveReplies implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('LiveReplies');
  private readonly running = new Map<string, Running>();
  private shutdownTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly streams: ReplyStreams,
    private readonly http: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    this.streams.onStop((messageId) => this.abort(messageId, 'stopped'));
    // The worker process has no HTTP adapter, whatever its type says.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition, @typescript-eslint/no-unnecessary-type-assertion
    const fastify = this.http.httpAdapter?.getInstance?.() as { addHook?: (name: 'preClose', hook: () => Promise<void>) => void } | undefined;
    fastify?.addHook?.('preClose', async () => this.beginShutdown());
  }

  async onModuleDestroy(): Promise<void> {
    this.beginShutdown();
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
    clearTimeout(this.shutdownTimer);
  }

  /** Runs `task` detached, registered under the message id until it settles; returns its outcome. */
  run<T>(messageId: string, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const done = Promise.resolve().then(() => task(controller.signal));
    const entry: Running = { controller, done };
    this.running.set(messageId, entry);
    void done.then(
      () => this.running.delete(messageId),
      () => this.running.delete(messageId),
    );
    return done;
  }

  isRunning(messageId: string): boolean {
    return this.running.has(messageId);
  }

  /** Stops the reply wherever it runs: here at once, elsewhere through the stop channel. */
  async stop(messageId: string): Promise<void> {
    if (this.abort(messageId, 'stopped')) return;
    await this.streams.publishStop(messageId);
  }

  /** Aborts the reply if this process runs it; false when it does not. */
  private abort(messageId: string, reason: AbortReason): boolean {
    const entry = this.running.get(messageId);
    if (!entry) return false;
    if (!entry.controller.signal.aborted) entry.controller.abort(reason);
    return true;
  }

  /** Starts the grace period once: what still runs at its end is aborted as 'shutdown'. */
  private beginShutdown(): void {
    if (this.shutdownTimer) return;
    const grace = this.config.env.SHUTDOWN_GRACE_MS;
    const margin = Math.min(2000, Math.floor(grace / 5));
    this.shutdownTimer = setTimeout(() => {
      if (this.running.size > 0) this.logger.warn({ replies: this.running.size }, 'shutting down: aborting replies still running');
      for (const messageId of [...this.running.keys()]) this.abort(messageId, 'shutdown');
    }, grace - margin);
    this.shutdownTimer.unref();
  }
}
