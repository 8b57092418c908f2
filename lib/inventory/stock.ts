/**
 * Stock rows and the holds on them: locking, releasing, expiring and allocating. Every function here runs
 * inside the caller's transaction and writes its ledger rows (stock_movements) there too.
 *
 * Lock order, the same in every transaction, so that no two can deadlock:
 *   cart → checkout → that checkout's reservations → stock rows (by product id) → other shoppers' stale holds
 * (the stale ones only with SKIP LOCKED). Holding a stock row lock, code never waits for another row.
 */
import "server-only";
import { and, asc, eq, inArray, is, Placeholder, sql, type SQLWrapper } from "drizzle-orm";
import { db, type Tx } from "@/db/client";
import { anyOf, anyOfSubquery, insertRows, jsonRows, preparedOnce } from "@/db/batch-statements";
import { checkouts, reservations, stockLevels, stockMovements, type CheckoutEnder } from "@/db/schema";
import { lapsedHold } from "./availability";
import { moveTo } from "../checkout/states";
import { recordExpired, recordReleased } from "../platform/metrics";

export interface ShortLine {
  productId: string;
  requested: number;
  available: number;
}

export type LockedStockRow = { productId: string; onHand: number; reserved: number; allocated: number };

/**
 * Which products a statement is about: a placeholder for a list of ids, or a subquery selecting them (so the
 * lock can ride with the reads that name them).
 */
export type ProductIds = Placeholder | SQLWrapper;

const productIn = (column: typeof stockLevels.productId | typeof reservations.productId, productIds: ProductIds) =>
  is(productIds, Placeholder) ? anyOf(column, productIds) : anyOfSubquery(column, productIds);

/** Locks these products' stock rows in product-id order (the deadlock-free order) and returns them. */
export const lockStockRowsOf = (productIds: ProductIds) =>
  preparedOnce(() =>
    db
      .select({
        productId: stockLevels.productId,
        onHand: stockLevels.onHand,
        reserved: stockLevels.reserved,
        allocated: stockLevels.allocated,
      })
      .from(stockLevels)
      .where(productIn(stockLevels.productId, productIds))
      .orderBy(asc(stockLevels.productId))
      .for("update")
      .prepare("lock_stock_rows"),
  );

const lockListedStockRows = lockStockRowsOf(sql.placeholder("productIds"));

/** Locks the stock rows of these products in product-id order and returns them. */
export function lockStockRows(tx: Tx, productIds: readonly string[]): Promise<LockedStockRow[]> {
  if (productIds.length === 0) return Promise.resolve([]);
  return lockListedStockRows(tx, { productIds });
}

/** A hold that was ended, as the ledger and the stock rows need to know it. */
export type EndedHold = { productId: string; quantity: number; checkoutId: string };

/**
 * Marks these products' holds whose time is up as expired and returns them. The caller holds the stock rows'
 * locks and must write what they free back (`applyLedger`). A hold whose row another transaction has
 * locked is skipped: only the holder of its checkout's lock touches it (to extend, pay or release it), so
 * waiting for it could deadlock.
 */
export const expireStaleHoldsOf = (productIds: ProductIds) =>
  preparedOnce(() => {
    const stale = db
      .select({ id: reservations.id })
      .from(reservations)
      .where(and(productIn(reservations.productId, productIds), lapsedHold))
      .for("update", { skipLocked: true });
    return db
      .update(reservations)
      .set({ status: "expired", endedAt: sql`now()` })
      .where(inArray(reservations.id, stale))
      .returning({ productId: reservations.productId, quantity: reservations.quantity, checkoutId: reservations.checkoutId })
      .prepare("expire_stale_holds");
  });

const expireListedStaleHolds = expireStaleHoldsOf(sql.placeholder("productIds"));

/** Expires the stale holds on the stock rows of these products (see expireStaleHoldsOf). */
export function expireStaleHoldsOn(tx: Tx, productIds: readonly string[]): Promise<EndedHold[]> {
  if (productIds.length === 0) return Promise.resolve([]);
  return expireListedStaleHolds(tx, { productIds });
}

export type LedgerEntry = typeof stockMovements.$inferInsert;

// Raw SQL: insertRows (db/batch-statements.ts), one statement text for any number of entries.
const insertLedgerRows = insertRows(stockMovements, [
  "productId",
  "kind",
  "onHandDelta",
  "reservedDelta",
  "allocatedDelta",
  "reason",
  "actorId",
  "checkoutId",
  "orderId",
]);

// Every changed row in one statement (one parameter), whatever the number of products.
const updateStockLevels = preparedOnce(() =>
  db
    .update(stockLevels)
    .set({
      reserved: sql`${stockLevels.reserved} + change.reserved`,
      allocated: sql`${stockLevels.allocated} + change.allocated`,
      onHand: sql`${stockLevels.onHand} + change.on_hand`,
      updatedAt: sql`now()`,
    })
    .from(
      jsonRows(
        "change",
        { product_id: stockLevels.productId, reserved: stockLevels.reserved, allocated: stockLevels.allocated, on_hand: stockLevels.onHand },
        sql.placeholder("changes"),
      ),
    )
    .where(sql`${stockLevels.productId} = change.product_id`)
    .prepare("update_stock_levels"),
);

/**
 * Writes a set of hold changes to the ledger and to the stock rows (whose locks the caller holds): one
 * multi-row insert and one update of every changed stock row. `reservedDelta` per product is the sum of the
 * entries' reserved deltas, so the levels always equal the ledger.
 */
export async function applyLedger(tx: Tx, entries: LedgerEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const delta = new Map<string, { reserved: number; allocated: number; onHand: number }>();
  for (const e of entries) {
    const d = delta.get(e.productId) ?? { reserved: 0, allocated: 0, onHand: 0 };
    d.reserved += e.reservedDelta ?? 0;
    d.allocated += e.allocatedDelta ?? 0;
    d.onHand += e.onHandDelta ?? 0;
    delta.set(e.productId, d);
  }
  const changes = [...delta]
    .filter(([, d]) => d.reserved !== 0 || d.allocated !== 0 || d.onHand !== 0)
    .map(([productId, d]) => ({ product_id: productId, reserved: d.reserved, allocated: d.allocated, on_hand: d.onHand }));
  // Sent together: postgres.js pipelines them on the transaction's connection, one round trip in all.
  await Promise.all([
    insertLedgerRows(
      tx,
      entries.map((e) => ({
        productId: e.productId,
        kind: e.kind,
        onHandDelta: e.onHandDelta ?? 0,
        reservedDelta: e.reservedDelta ?? 0,
        allocatedDelta: e.allocatedDelta ?? 0,
        reason: e.reason ?? null,
        actorId: e.actorId ?? null,
        checkoutId: e.checkoutId ?? null,
        orderId: e.orderId ?? null,
      })),
    ),
    changes.length > 0 && updateStockLevels(tx, { changes: JSON.stringify(changes) }),
  ]);
}

export const expiredLedger = (holds: EndedHold[]): LedgerEntry[] =>
  holds.map((h) => ({
    productId: h.productId,
    kind: "expire" as const,
    reservedDelta: -h.quantity,
    checkoutId: h.checkoutId,
    reason: "hold expired",
  }));

export type ReleaseKind = "release" | "expire";

/**
 * Gives back everything a checkout still holds and ends the checkout with `status`. The caller holds the
 * checkout's row lock. Returns the number of holds released.
 */
export async function releaseCheckoutHolds(
  tx: Tx,
  checkoutId: string,
  options: {
    status: "cancelled" | "failed" | "expired";
    endedBy: CheckoutEnder;
    kind: ReleaseKind;
    reason: string;
    actorId: string | null;
  },
): Promise<number> {
  const held = await tx
    .select({ productId: reservations.productId })
    .from(reservations)
    .where(and(eq(reservations.checkoutId, checkoutId), eq(reservations.status, "active")));
  await lockStockRows(
    tx,
    held.map((r) => r.productId),
  );
  const freed = await tx
    .update(reservations)
    .set({ status: options.kind === "expire" ? "expired" : "released", endedAt: sql`now()` })
    .where(and(eq(reservations.checkoutId, checkoutId), eq(reservations.status, "active")))
    .returning({ productId: reservations.productId, quantity: reservations.quantity });
  (options.kind === "expire" ? recordExpired : recordReleased)(freed.length);
  await applyLedger(
    tx,
    freed.map((f) => ({
      productId: f.productId,
      kind: options.kind,
      reservedDelta: -f.quantity,
      checkoutId,
      actorId: options.actorId,
      reason: options.reason,
    })),
  );
  await moveTo(tx, eq(checkouts.id, checkoutId), options.status, { endedBy: options.endedBy, endedAt: sql`now()` });
  return freed.length;
}

type OrderUnits = readonly { productId: string; quantity: number }[];

/**
 * An order's allocated units leave `allocated`: back on sale, or off the shelf with them (on hand drops too). The
 * caller holds the order's row lock; the stock rows are locked here, in product-id order.
 */
async function settleOrderUnits(
  tx: Tx,
  orderId: string,
  lines: OrderUnits,
  change: { kind: "release" | "fulfil"; offTheShelf: boolean; actorId: string | null; reason: string },
): Promise<void> {
  await lockStockRows(
    tx,
    lines.map((l) => l.productId),
  );
  await applyLedger(
    tx,
    lines.map((l) => ({
      productId: l.productId,
      kind: change.kind,
      ...(change.offTheShelf ? { onHandDelta: -l.quantity } : {}),
      allocatedDelta: -l.quantity,
      orderId,
      actorId: change.actorId,
      reason: change.reason,
    })),
  );
}

/** Puts an unshipped order's allocated units back on sale (the order was given up: its payment failed). */
export function releaseOrderUnits(
  tx: Tx,
  orderId: string,
  lines: OrderUnits,
  options: { actorId: string | null; reason: string },
): Promise<void> {
  return settleOrderUnits(tx, orderId, lines, { kind: "release", offTheShelf: false, ...options });
}

/** Ships an order's units: they leave the shelf (on hand and allocated both drop). */
export function fulfilOrderUnits(tx: Tx, orderId: string, lines: OrderUnits, actorId: string | null): Promise<void> {
  return settleOrderUnits(tx, orderId, lines, { kind: "fulfil", offTheShelf: true, actorId, reason: "order fulfilled" });
}

/** The checkout and shopper a hold belongs to, or undefined for an unknown hold. */
export async function holdOwner(reservationId: string): Promise<{ checkoutId: string; shopperId: string } | undefined> {
  const [owner] = await db
    .select({ checkoutId: reservations.checkoutId, shopperId: reservations.shopperId })
    .from(reservations)
    .where(eq(reservations.id, reservationId));
  return owner;
}

/** The units these checkouts hold (or held), per product. */
export async function unitsHeldBy(tx: Tx, checkoutIds: readonly string[]): Promise<Map<string, number>> {
  const units = new Map<string, number>();
  if (checkoutIds.length === 0) return units;
  const lines = await tx
    .select({ productId: reservations.productId, quantity: reservations.quantity })
    .from(reservations)
    .where(inArray(reservations.checkoutId, [...checkoutIds]));
  for (const l of lines) units.set(l.productId, (units.get(l.productId) ?? 0) + l.quantity);
  return units;
}
