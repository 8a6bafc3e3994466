/** How often counted repeats are summarised (and how long a kind must be quiet to be logged in full again). */
export const REPEAT_SUMMARY_MS = 5_000;

/** Writes the summary line of a kind's repeats since the last summary. */
export type RepeatSummary = (kind: string, repeats: number, windowMs: number) => void;

interface Seen {
  repeats: number;
  /** Summaries in a row without a repeat: after one, the kind is forgotten. */
  quiet: boolean;
}

/**
 * Keeps an outage from flooding the logs: the first error of a kind (e.g. `database_unavailable`)
 * is logged in full, its repeats are only counted, and every REPEAT_SUMMARY_MS a summary line says
 * how many there were. A kind with no repeat for a whole interval is forgotten, so the next
 * outage is logged in full again. The timer runs only while a kind is remembered.
 */
export class RepeatedErrors {
  private readonly seen = new Map<string, Seen>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly summary: RepeatSummary,
    private readonly intervalMs = REPEAT_SUMMARY_MS,
  ) {}

  /** Reports one occurrence: `logInFull` runs for the first of its kind; returns whether it ran. */
  report(kind: string, logInFull: () => void): boolean {
    const entry = this.seen.get(kind);
    if (entry) {
      entry.repeats++;
      entry.quiet = false;
      return false;
    }
    this.seen.set(kind, { repeats: 0, quiet: false });
    logInFull();
    this.timer ??= setInterval(() => this.flush(), this.intervalMs).unref();
    return true;
  }

  /** Writes the summaries due now (called by the timer; public for tests). */
  flush(): void {
    for (const [kind, entry] of this.seen) {
      if (entry.repeats > 0) {
        this.summary(kind, entry.repeats, this.intervalMs);
        entry.repeats = 0;
        entry.quiet = false;
      } else if (entry.quiet) {
        this.seen.delete(kind);
      } else {
        entry.quiet = true;
      }
    }
    if (this.seen.size === 0) this.stop();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
