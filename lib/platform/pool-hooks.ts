/**
 * Plugs the app into the database pool (db/client.ts `setPoolHooks`): waits for a connection are measured, and a
 * caller who got none in time is answered 503 `database_unavailable` with Retry-After. Called once per server
 * from instrumentation.ts. Without it (a script or test calling lib/ in its own process) waits are not counted
 * and a caller who got no connection in time gets a plain error with code `database_unavailable`.
 */
import "server-only";
import { setPoolHooks } from "@/db/client";
import { DomainError } from "./errors";
import { recordPoolWait } from "./metrics";

export const poolBusyError = () =>
  new DomainError(
    "database_unavailable",
    "The shop is very busy right now and could not reach its database in time. Please try again in a moment.",
    {},
    { "Retry-After": "2" },
  );

export function connectPoolHooks(): void {
  setPoolHooks({ onWait: recordPoolWait, busyError: poolBusyError });
}
