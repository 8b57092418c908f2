/**
 * Holding stock for a new checkout: the batch that reads, decides and writes (batch.ts), the queue that forms
 * batches (queue.ts), and where they run: on the hold thread in the production server (thread.ts, worker.ts),
 * elsewhere on the calling thread. `requestHold` is the way in.
 */
import "server-only";
import { isMainThread } from "node:worker_threads";
import { db } from "@/db/client";
import { env } from "../../platform/env";
import { holdCarts, type HoldOutcome, type HoldRequest } from "./batch";
import { HoldQueue, type BatchRunner, type HoldQueueSettings } from "./queue";
import { holdOnThread } from "./thread";

export { holdCarts, type HeldCheckout, type HeldLine, type HoldOutcome, type HoldRequest } from "./batch";
export { HoldQueue, type BatchRunner, type HoldQueueSettings } from "./queue";

/**
 * Where batches run, and how they are formed (tuned with `npm run bench` and `npm run bench:http`, BENCHMARKS.md).
 *
 * In the production server (`next start`) each batch runs on the hold thread (thread.ts), a worker thread
 * of this process with its own connections: its event loop has nothing else to do, so it answers the database
 * the moment the hot row is locked and holds the lock for the writes and the commit only, never for a turn of
 * the HTTP server's loop (15–20 ms under load). Up to 16 starts a batch and five in flight: a batch leaves as
 * soon as it is full, the rest at the end of each turn of the server's loop. So no one batch carries every
 * connection's shopper at once, and a long turn (a garbage collection, a burst of requests) sends its starts as
 * they come rather than all at its end, while their answers arrive in smaller groups.
 *
 * Elsewhere (`next dev`, tests, scripts) each batch runs on the calling thread, whose loop may be busy when the
 * lock comes: up to 32 starts a batch and three in flight, and the next leaves once every batch in flight holds
 * its locks, so it gathers everyone who arrived meanwhile. While one commits, the next is waiting for the row,
 * and a third may leave the moment the second has it. Not more a batch: at a sale's 64 callers, a batch of all of
 * them left one straggler to go alone, and then read its carts while the row sat idle (BENCHMARKS.md, "#26: the
 * hold batch on a slower machine").
 */
// NEXT_RUNTIME is Next.js's own marker of its Node.js server (as in instrumentation.ts), not configuration.
const onHoldThread = isMainThread && process.env.NEXT_RUNTIME === "nodejs" && env.NODE_ENV === "production";

export const holdQueueSettings: Readonly<HoldQueueSettings> = onHoldThread
  ? { maxBatch: 16, maxInFlight: Math.min(5, env.DATABASE_POOL_SIZE), waitForLocks: false }
  : { maxBatch: 32, maxInFlight: Math.min(3, env.DATABASE_POOL_SIZE), waitForLocks: true };

const onThisThread: BatchRunner = (requests, onStockLocked) => holdCarts(db, requests, onStockLocked);

const globalForQueue = globalThis as unknown as { stockholdHoldQueue?: HoldQueue };

/** This process's queue, made on the first checkout start (importing this module starts nothing). */
const holdQueue = () => (globalForQueue.stockholdHoldQueue ??= new HoldQueue(holdQueueSettings, onHoldThread ? holdOnThread : onThisThread));

/**
 * Holds a shopper's cart for a new checkout (or answers why not). No static trace crosses the queue or the
 * thread's `postMessage`, so here is where the work goes next: `HoldQueue.submit` (queue.ts) puts the request
 * in the next batch; the queue's runner sends the batch to `holdOnThread` (thread.ts), whose worker (worker.ts)
 * calls `holdCarts` (batch.ts) on its own thread, or, outside the production server, calls `holdCarts` here.
 */
export function requestHold(request: HoldRequest): Promise<HoldOutcome> {
  return holdQueue().submit(request);
}

/** How many batches this process's queue has sent, with how many checkout starts, and the largest batch. */
export function holdQueueStats(): Readonly<{ batches: number; requests: number; largestBatch: number }> {
  return { ...holdQueue().stats };
}
