/**
 * The hold thread: a worker thread of the production server that runs the hold batches (index.ts explains why).
 * It loads this app's database client and hold code on its own, with its own connections, and answers each batch
 * with its outcomes or with the error that failed it. Started on the first checkout start.
 */
import { Worker } from "node:worker_threads";
import { DomainError, type ErrorCode } from "../../platform/errors";
import { log } from "../../platform/log";
import type { HoldOutcome, HoldRequest } from "./batch";

/** What the hold thread answers for one batch. */
export type HoldThreadAnswer =
  | { id: number; outcomes: HoldOutcome[] }
  | { id: number; error: { code: ErrorCode; message: string; details: Record<string, unknown>; headers: Record<string, string> } };

type Pending = { resolve: (outcomes: HoldOutcome[]) => void; reject: (error: unknown) => void };

const lostThread = () =>
  new DomainError("database_unavailable", "The shop could not confirm your hold. Please try again.", {}, { "Retry-After": "1" });

// One thread per process, even when several route bundles carry a copy of this module.
const state = globalThis as unknown as { stockholdHoldThread?: { worker: Worker; pending: Map<number, Pending>; nextId: number } };

function holdThread() {
  if (state.stockholdHoldThread) return state.stockholdHoldThread;
  // The static `Worker` import and this `new URL` are what lets Next.js bundle worker.ts as the thread's entry.
  const worker = new Worker(new URL("./worker.ts", import.meta.url));
  const thread = { worker, pending: new Map<number, Pending>(), nextId: 0 };
  state.stockholdHoldThread = thread;
  // The thread does not keep the server alive; it stops with it.
  worker.unref();
  worker.on("message", (answer: HoldThreadAnswer) => {
    const pending = thread.pending.get(answer.id);
    if (!pending) return;
    thread.pending.delete(answer.id);
    if ("outcomes" in answer) pending.resolve(answer.outcomes);
    else pending.reject(new DomainError(answer.error.code, answer.error.message, answer.error.details, answer.error.headers));
  });
  // If the thread dies, the batches it had are answered "try again" (whether they committed or not, a retry
  // finds the same checkout), and the next batch starts a new thread.
  const lost = (error?: unknown) => {
    if (state.stockholdHoldThread === thread) state.stockholdHoldThread = undefined;
    if (error !== undefined) log.error({ event: "hold_thread_failed", error: String(error) }, "hold thread failed");
    for (const pending of thread.pending.values()) pending.reject(lostThread());
    thread.pending.clear();
  };
  worker.on("error", lost);
  worker.on("exit", () => lost());
  return thread;
}

/** Runs one batch on the hold thread. */
export function holdOnThread(requests: HoldRequest[]): Promise<HoldOutcome[]> {
  const thread = holdThread();
  const id = thread.nextId++;
  return new Promise((resolve, reject) => {
    thread.pending.set(id, { resolve, reject });
    thread.worker.postMessage({ id, requests });
  });
}
