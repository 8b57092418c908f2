/**
 * How the hold queue forms batches, with a stand-in for the database (the batches' own work is tested in
 * hold-coalescing, hold-race and hold-write-failure): on the hold thread's settings a full batch leaves at once
 * and the rest of a turn's starts together at its end, within the number in flight; in-process the next batch
 * waits until the one in flight holds its locks; a failed batch is retried one start at a time.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { HoldQueue, type HoldOutcome, type HoldRequest } from "@/lib/inventory/hold";

/** A runner whose batches the test answers by hand; each answer names its shopper, so mix-ups show. */
function manualRunner() {
  const batches: { requests: HoldRequest[]; onStockLocked: () => void; answer: () => void }[] = [];
  const run = (requests: HoldRequest[], onStockLocked: () => void) =>
    new Promise<HoldOutcome[]>((resolve) => {
      batches.push({
        requests,
        onStockLocked,
        answer: () => resolve(requests.map((r) => ({ outcome: "rate_limited", retryAfterSeconds: Number(r.shopperId), per: "shopper" }))),
      });
    });
  return { batches, run };
}

const request = (i: number): HoldRequest => ({ shopperId: String(i), email: null });
const shopperOf = (o: HoldOutcome) => (o.outcome === "rate_limited" ? o.retryAfterSeconds : -1);

describe("the hold queue", () => {
  it("on the hold thread's settings, sends a full batch at once and the rest of the turn's starts at its end, five in flight", async () => {
    const runner = manualRunner();
    const queue = new HoldQueue({ maxBatch: 16, maxInFlight: 5, waitForLocks: false }, runner.run);
    const first = Array.from({ length: 20 }, (_, i) => queue.submit(request(i)));

    // The first 16 left the moment the 16th came in; the other four wait for the end of the turn.
    expect(runner.batches.map((b) => b.requests.length)).toEqual([16]);
    await nextTurn();
    expect(runner.batches.map((b) => b.requests.length)).toEqual([16, 4]);

    // Three full batches go at once; the fifth in flight is the last allowed, so the 12 after it wait.
    const second = Array.from({ length: 60 }, (_, i) => queue.submit(request(20 + i)));
    expect(runner.batches.map((b) => b.requests.length)).toEqual([16, 4, 16, 16, 16]);
    await nextTurn();
    expect(runner.batches).toHaveLength(5);

    // They go as soon as a batch in flight is answered.
    runner.batches[1]!.answer();
    await nextTurn();
    expect(runner.batches.map((b) => b.requests.length)).toEqual([16, 4, 16, 16, 16, 12]);

    for (const batch of runner.batches) batch.answer();
    const outcomes = await Promise.all([...first, ...second]);
    expect(outcomes.map(shopperOf)).toEqual(Array.from({ length: 80 }, (_, i) => i));
    expect(queue.stats).toEqual({ batches: 6, requests: 80, largestBatch: 16 });
  });

  it("in-process, sends the next batch only once the batch in flight holds its stock rows' locks", async () => {
    const runner = manualRunner();
    const queue = new HoldQueue({ maxBatch: 64, maxInFlight: 3, waitForLocks: true }, runner.run);
    const answers = Array.from({ length: 10 }, (_, i) => queue.submit(request(i)));

    // The first start leaves at once, alone; the others gather behind it.
    expect(runner.batches.map((b) => b.requests.length)).toEqual([1]);
    await nextTurn();
    expect(runner.batches).toHaveLength(1);

    runner.batches[0]!.onStockLocked();
    expect(runner.batches.map((b) => b.requests.length)).toEqual([1, 9]);

    runner.batches.forEach((b) => b.answer());
    expect((await Promise.all(answers)).map(shopperOf)).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it("retries a failed batch one start at a time, so only the start that fails is refused", async () => {
    const bad = "3";
    const run = (requests: HoldRequest[]) =>
      requests.some((r) => r.shopperId === bad)
        ? Promise.reject(new Error(`batch of ${requests.length} refused`))
        : Promise.resolve(requests.map((r): HoldOutcome => ({ outcome: "rate_limited", retryAfterSeconds: Number(r.shopperId), per: "shopper" })));
    const queue = new HoldQueue({ maxBatch: 24, maxInFlight: 4, waitForLocks: false }, run);

    const settled = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => queue.submit(request(i))));

    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect(settled[3]).toMatchObject({ status: "rejected", reason: { message: "batch of 1 refused" } });
    expect(settled.flatMap((s) => (s.status === "fulfilled" ? [shopperOf(s.value)] : []))).toEqual([0, 1, 2, 4, 5]);
  });
});
