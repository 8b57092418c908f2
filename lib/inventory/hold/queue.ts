/**
 * The hold queue: concurrent checkout starts in one process, coalesced into batches (batch.ts runs each), so a
 * flash sale on one product takes its row lock once per batch rather than once per shopper.
 */
import "server-only";
import { DomainError } from "../../platform/errors";
import { recordHoldBatchFailure, recordHoldOutcomes } from "../../platform/metrics";
import type { HoldOutcome, HoldRequest } from "./batch";

/** Runs one batch: on this thread (holdCarts) or on the hold thread (hold-thread.ts). */
export type BatchRunner = (requests: HoldRequest[], onStockLocked: () => void) => Promise<HoldOutcome[]>;

export interface HoldQueueSettings {
  /** At most this many checkout starts in one batch. */
  maxBatch: number;
  /** At most this many batches in flight at once. */
  maxInFlight: number;
  /**
   * The next batch leaves only once every batch in flight holds its stock rows' locks (on this thread, see
   * `pump`); otherwise as soon as it is full, or at the end of the turn of the event loop with every other start
   * that came in during it.
   */
  waitForLocks: boolean;
}

/**
 * Coalesces concurrent checkout starts in this process into batches. Purely a throughput device: every request
 * still goes to PostgreSQL, which alone decides; nothing is remembered between batches.
 */
export class HoldQueue {
  private waiting: { request: HoldRequest; resolve: (o: HoldOutcome) => void; reject: (e: unknown) => void }[] = [];
  private inFlight = 0;
  /** Batches in flight that have not yet locked their stock rows (they are still reading carts). */
  private preparing = 0;
  private pumpAtEndOfTurn = false;
  /** Counted since the process started; read-only outside (holdQueueStats), for tests and the bench. */
  readonly stats = { batches: 0, requests: 0, largestBatch: 0 };

  constructor(
    private readonly settings: HoldQueueSettings,
    private readonly runBatch: BatchRunner,
  ) {}

  submit(request: HoldRequest): Promise<HoldOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ request, resolve, reject });
      // A full batch need not wait for the end of the turn: it leaves at once, if one more may be in flight.
      if (this.settings.waitForLocks || this.waiting.length >= this.settings.maxBatch) return this.pump();
      if (this.pumpAtEndOfTurn) return;
      this.pumpAtEndOfTurn = true;
      setImmediate(() => {
        this.pumpAtEndOfTurn = false;
        this.pump();
      });
    });
  }

  /**
   * On this thread, sends a batch when none is in flight, or when every batch in flight already holds its stock
   * rows' locks: the next one then gathers everything that arrived meanwhile and prepares while the lock is held,
   * rather than leaving at once with one or two shoppers and taking the hot row's lock for little work. On the
   * hold thread, batches leave when full or at the end of each turn of this event loop (up to the number in
   * flight).
   */
  private pump(): void {
    const { maxBatch, maxInFlight, waitForLocks } = this.settings;
    while (this.inFlight < maxInFlight && (!waitForLocks || this.preparing === 0) && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, maxBatch);
      this.inFlight += 1;
      this.preparing += 1;
      this.stats.batches += 1;
      this.stats.requests += batch.length;
      this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
      let locked = false;
      const onLocked = () => {
        if (locked) return;
        locked = true;
        this.preparing -= 1;
        if (waitForLocks) this.pump();
      };
      void this.run(batch, onLocked).finally(() => {
        this.inFlight -= 1;
        onLocked();
        this.pump();
      });
    }
  }

  private async run(batch: HoldQueue["waiting"], onLocked: () => void): Promise<void> {
    const started = performance.now();
    try {
      const outcomes = await this.runBatch(
        batch.map((b) => b.request),
        onLocked,
      );
      // Each answer must be the answer to its own request: never a 2xx for a hold that is not there.
      if (outcomes.length !== batch.length) {
        throw new DomainError("database_unavailable", "The shop could not confirm your hold. Nothing was held; please try again.", {}, { "Retry-After": "1" });
      }
      recordHoldOutcomes(outcomes, batch.length, performance.now() - started);
      batch.forEach((b, i) => b.resolve(outcomes[i]!));
    } catch (error) {
      recordHoldBatchFailure(batch.length, error);
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      onLocked();
      // One bad request must not fail its neighbours: retry each on its own.
      await Promise.all(
        batch.map((b) => {
          const retried = performance.now();
          return this.runBatch([b.request], () => {}).then(
            (o) => {
              recordHoldOutcomes(o, 1, performance.now() - retried);
              b.resolve(o[0]!);
            },
            (e: unknown) => b.reject(e),
          );
        }),
      );
    }
  }
}
