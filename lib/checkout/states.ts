/**
 * The checkout's life: one explicit state machine. Every change of `checkouts.status` goes through `moveTo`
 * (the lint step refuses any other write of it).
 *
 *                 ┌────────── pay ──────────┐
 *                 │                         ▼
 *   (start) ──▶ active ──────────────────▶ paying ──── paid (authorized, allocated) ──▶ completed
 *                 │  │                       │  └──── declined, or the stock is gone ──▶ failed
 *                 │  │                       └─────── no charge made (provider never saw it) ──▶ failed
 *                 │  ├── cancel (shopper; shop: admin release) ──▶ cancelled
 *                 │  ├── restart with a changed cart ──▶ cancelled (by the shopper)
 *                 │  └── time runs out ──▶ expired ──── cancel ──▶ cancelled
 *                 │                          └───────── pay: revived if still its cart's latest checkout and
 *                 │                                     the stock is still there ──▶ paying
 *
 * completed, cancelled and failed are final. expired is final too, except that paying may revive it (the
 * shopper meant to buy; the stock is held afresh or nothing is charged). A checkout superseded by a newer
 * checkout of the same cart is over for good, whatever became of the newer one. While `paying`, the hold
 * cannot lapse until the payment window ends; then the recovery sweep asks the provider.
 */
import { and, inArray, type SQL } from "drizzle-orm";
import type { PgUpdateSetSource } from "drizzle-orm/pg-core";
import type { Db, Tx } from "@/db/client";
import { checkouts, type CheckoutEnder, type CheckoutStatus } from "@/db/schema";
import { DomainError } from "../platform/errors";

export const transitions: Record<CheckoutStatus, readonly CheckoutStatus[]> = {
  active: ["paying", "cancelled", "expired"],
  paying: ["completed", "failed"],
  expired: ["paying", "cancelled"],
  completed: [],
  cancelled: [],
  failed: [],
};

/** Who ends a checkout by moving it to each ended state. */
export const enderOf = {
  completed: "payment",
  failed: "payment",
  expired: "timeout",
} as const satisfies Partial<Record<CheckoutStatus, CheckoutEnder>>;

export const isFinal = (status: CheckoutStatus) => transitions[status].length === 0;

export function canMove(from: CheckoutStatus, to: CheckoutStatus): boolean {
  return transitions[from].includes(to);
}

/** Refuses a move the state machine does not have, with the answer the shopper should get. */
export function assertMove(from: CheckoutStatus, to: CheckoutStatus): void {
  if (canMove(from, to)) return;
  throw refusalFor(from);
}

/** The answer to any request on a checkout that is in `status` and cannot move on as asked. */
export function refusalFor(status: CheckoutStatus): DomainError {
  switch (status) {
    case "completed":
      return new DomainError("checkout_completed", "This checkout has already been paid.");
    case "paying":
      return new DomainError("payment_in_progress", "Your payment is being confirmed. Please wait a moment.");
    case "cancelled":
      return new DomainError("checkout_closed", "This checkout was cancelled; its hold has been released.");
    case "failed":
      return new DomainError("checkout_closed", "This checkout's payment was declined; its hold has been released.");
    case "expired":
      return expiredError();
    case "active":
      return new DomainError("conflict", "This checkout is still open.");
  }
}

export const expiredError = () =>
  new DomainError("checkout_expired", "Your checkout expired and its items were released. Please start again.");

export const supersededError = () =>
  new DomainError(
    "checkout_expired",
    "This checkout was replaced by a newer one for the same cart; nothing was charged here. Please use the newest checkout.",
    { superseded: true },
  );

/** The statuses from which the state machine lets a checkout move to `to`. */
export const movesInto = (to: CheckoutStatus): CheckoutStatus[] =>
  (Object.keys(transitions) as CheckoutStatus[]).filter((from) => transitions[from].includes(to));

/** What else a move writes with the status: when and by whom it ended, the payment window, the details. */
export type MoveFields = Omit<PgUpdateSetSource<typeof checkouts>, "status">;

/**
 * The one door for a checkout's status: moves the checkouts `which` selects (one, or a batch: the hold engine
 * ends many at once) to `to`, with `fields` in the same statement. Only a checkout whose status the state
 * machine lets move to `to` moves; any other is left as it is (the caller holds the rows' locks and has already
 * refused a move it may not make, with `assertMove` or `refusalFor`). Returns the statement, to await or to send
 * with others.
 */
export function moveTo(executor: Db | Tx, which: SQL, to: CheckoutStatus, fields: MoveFields = {}) {
  return executor
    .update(checkouts)
    .set({ ...fields, status: to })
    .where(and(which, inArray(checkouts.status, movesInto(to))));
}
