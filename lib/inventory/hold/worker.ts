/**
 * The hold thread's entry (thread.ts): runs each batch it is sent with holdCarts on this thread's own
 * connections, and answers with the outcomes, or with the error as the shopper should see it.
 */
import { parentPort } from "node:worker_threads";
import { db } from "@/db/client";
import { toDomainError } from "../../platform/errors";
import { holdCarts, type HoldRequest } from "./batch";
import type { HoldThreadAnswer } from "./thread";

const port = parentPort!;

port.on("message", ({ id, requests }: { id: number; requests: HoldRequest[] }) => {
  const answer = (message: HoldThreadAnswer) => port.postMessage(message);
  holdCarts(db, requests).then(
    (outcomes) => answer({ id, outcomes }),
    (error: unknown) => {
      const { code, message, details, headers } = toDomainError(error);
      answer({ id, error: { code, message, details, headers } });
    },
  );
});
