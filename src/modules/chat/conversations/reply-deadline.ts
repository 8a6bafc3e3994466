import { ProviderError } from '../providers/chat-provider.js';

/**
 * A reply's total deadline (CHAT_REPLY_DEADLINE_MS from the moment it began). The provider's own
 * time-out restarts with every chunk, so without this a stream that keeps trickling would hold its
 * reservation and its pending message for ever. Its signal aborts the provider call; `dispose`
 * clears the timer once the call is over.
 */
export class ReplyDeadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private passed = false;

  constructor(
    private readonly deadlineMs: number,
    startedAt: Date,
  ) {
    const remaining = Math.max(0, startedAt.getTime() + deadlineMs - Date.now());
    this.timer = setTimeout(() => {
      this.passed = true;
      this.controller.abort();
    }, remaining);
  }

  /** Aborts when the deadline passes, or when `other` (the client's disconnect) aborts. */
  signal(other?: AbortSignal): AbortSignal {
    return other ? AbortSignal.any([other, this.controller.signal]) : this.controller.signal;
  }

  get expired(): boolean {
    return this.passed;
  }

  /** What a reply cut by the deadline failed with, as stored on the message and shown to the caller. */
  error(): ProviderError {
    return new ProviderError('timeout', `no complete reply within ${this.deadlineMs} ms`, false);
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
