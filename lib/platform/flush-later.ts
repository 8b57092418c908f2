/**
 * Writes that may wait a moment: counters kept in memory per app server and sent to PostgreSQL about once a
 * second, so a request never waits for (or pays a commit for) them. A failed flush is tried again a second later.
 */
import { errorCodeOf } from "./errors";
import { errorFields, log } from "./log";

export class FlushLater {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    /** Names the counts in the log line of a failed flush. */
    private readonly what: string,
    private readonly flush: () => Promise<void>,
    private readonly everyMs = 1_000,
  ) {}

  /** Makes sure a flush runs within `everyMs`. */
  request(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // The database is unreachable: what was pending stays pending and goes with the next flush.
      void this.flush().catch((error: unknown) => {
        // The pool was closed on purpose: this process is stopping, and nothing will reach the database now.
        if (errorCodeOf(error) === "CONNECTION_ENDED") return;
        log.warn({ event: "flush_failed", what: this.what, ...errorFields(error) }, "could not write counts; retrying");
        this.request();
      });
    }, this.everyMs);
    this.timer.unref?.();
  }
}
