/**
 * Stock rows and the holds on them: locking, expiring, and writing the ledger (releasing and settling orders:
 * release.ts). Every function here runs inside the caller's transaction and writes its ledger rows
 * (stock_movements) there too.
 *
 * Lock order, the same in every transaction, so that no two can deadlock:
 *   cart → checkout → that checkout's reservations → stock rows (by variant id, then location id) → other
 *   shoppers' stale holds → the line (line/hand-on.ts: its advisory lock, waiting tickets, then, without
 *   waiting, a ticket's cart and more stock rows)
 * (the stale ones only with SKIP LOCKED). Holding a stock row lock, code never waits for another row. A verb
 * locks every location's row of the variants it touches (a superset of what it writes, in the same order).
 */
import "server-only";
import { and, asc, eq, inArray, is, Placeholder, sql, type SQLWrapper } from "drizzle-orm";
import { db, type Tx } from "@/db/client";
import { anyOf, anyOfSubquery, insertRows, jsonRows, preparedOnce } from "@/db/batch-statements";
import { locations, orderAllocations, reservations, stockLevels, stockMovements } from "@/db/schema";
import { lapsedHold, sellableUnits } from "./availability";
import { lineWaitsFor } from "./line/waiting";

/** A line that could not be held or sold: the variant (and its product), what was asked and what is free. */
export interface ShortLine {
  productId: string;
  variantId: string;
  requested: number;
  available: number;
  /** For a kit line: the component that is short, and its free units. */
  component?: { productId: string; variantId: string; available: number };
}

/** A locked stock row: one variant at one location, with the location's place in the holding rule. */
export type LockedStockRow = {
  variantId: string;
  locationId: string;
  productId: string;
  priority: number;
  active: boolean;
  onHand: number;
  /** Units on their way (open deliveries). */
  incoming: number;
  /** On hand, plus the units on their way for a variant taking pre-orders. */
  sellable: number;
  reserved: number;
  allocated: number;
  /** Shoppers wait in the line for this variant: its free units are theirs (line/hand-on.ts), not a new start's. */
  lineWaiting: boolean;
};

/**
 * Which variants a statement is about: a placeholder for a list of ids, or a subquery selecting them (so the
 * lock can ride with the reads that name them).
 */
export type VariantIds = Placeholder | SQLWrapper;

const variantIn = (column: typeof stockLevels.variantId | typeof reservations.variantId, variantIds: VariantIds) =>
  is(variantIds, Placeholder) ? anyOf(column, variantIds) : anyOfSubquery(column, variantIds);

/**
 * Locks these variants' stock rows at every location, in (variant id, location id) order (the deadlock-free
 * order), and returns them with their locations' priority and state (read, not locked: a location deactivated
 * meanwhile takes effect for the next hold) and whether shoppers wait in the line for the variant.
 */
export const lockStockRowsOf = (variantIds: VariantIds) =>
  preparedOnce(() =>
    db
      .select({
        variantId: stockLevels.variantId,
        locationId: stockLevels.locationId,
        productId: stockLevels.productId,
        priority: locations.priority,
        active: locations.active,
        onHand: stockLevels.onHand,
        incoming: stockLevels.incoming,
        sellable: sellableUnits,
        reserved: stockLevels.reserved,
        allocated: stockLevels.allocated,
        lineWaiting: lineWaitsFor(stockLevels.variantId),
      })
      .from(stockLevels)
      .innerJoin(locations, eq(locations.id, stockLevels.locationId))
      .where(variantIn(stockLevels.variantId, variantIds))
      .orderBy(asc(stockLevels.variantId), asc(stockLevels.locationId))
      .for("update", { of: stockLevels })
      .prepare("lock_stock_rows"),
  );

const lockListedStockRows = lockStockRowsOf(sql.placeholder("variantIds"));

/** Locks the stock rows of these variants (every location's) in (variant, location) order and returns them. */
export function lockStockRows(tx: Tx, variantIds: readonly string[]): Promise<LockedStockRow[]> {
  if (variantIds.length === 0) return Promise.resolve([]);
  return lockListedStockRows(tx, { variantIds });
}

/** A hold that was ended, as the ledger and the stock rows need to know it. */
export type EndedHold = {
  variantId: string;
  locationId: string;
  productId: string;
  quantity: number;
  checkoutId: string;
  /** The kit the hold was for (a kit line's component), or null. */
  kitVariantId: string | null;
};

const endedHoldFields = {
  variantId: reservations.variantId,
  locationId: reservations.locationId,
  productId: reservations.productId,
  quantity: reservations.quantity,
  checkoutId: reservations.checkoutId,
  kitVariantId: reservations.kitVariantId,
};

/**
 * Marks these variants' holds whose time is up as expired and returns them. The caller holds the stock rows'
 * locks and must write what they free back (`applyLedger`). A hold whose row another transaction has
 * locked is skipped: only the holder of its checkout's lock touches it (to extend, pay or release it), so
 * waiting for it could deadlock.
 */
export const expireStaleHoldsOf = (variantIds: VariantIds) =>
  preparedOnce(() => {
    const stale = db
      .select({ id: reservations.id })
      .from(reservations)
      .where(and(variantIn(reservations.variantId, variantIds), lapsedHold))
      .for("update", { skipLocked: true });
    return db
      .update(reservations)
      .set({ status: "expired", endedAt: sql`now()` })
      .where(inArray(reservations.id, stale))
      .returning(endedHoldFields)
      .prepare("expire_stale_holds");
  });

const expireListedStaleHolds = expireStaleHoldsOf(sql.placeholder("variantIds"));

/** Expires the stale holds on the stock rows of these variants (see expireStaleHoldsOf). */
export function expireStaleHoldsOn(tx: Tx, variantIds: readonly string[]): Promise<EndedHold[]> {
  if (variantIds.length === 0) return Promise.resolve([]);
  return expireListedStaleHolds(tx, { variantIds });
}

/**
 * Expires the stale holds on exactly these stock rows, which the caller has locked (the sweep locks with SKIP
 * LOCKED, so it may hold some of a variant's rows and not others).
 */
export async function expireStaleHoldsOnRows(tx: Tx, rows: readonly { variantId: string; locationId: string }[]): Promise<EndedHold[]> {
  if (rows.length === 0) return [];
  // Raw SQL: a row comparison against the JSON list of (variant, location) pairs, which the builder cannot say.
  const lockedRows = jsonRows("locked", { variant_id: stockLevels.variantId, location_id: stockLevels.locationId }, sql.placeholder("rows"));
  const stale = tx
    .select({ id: reservations.id })
    .from(reservations)
    .where(
      and(
        sql`(${reservations.variantId}, ${reservations.locationId}) in (select locked.variant_id, locked.location_id from ${lockedRows})`,
        lapsedHold,
      ),
    )
    .for("update", { skipLocked: true });
  return tx
    .update(reservations)
    .set({ status: "expired", endedAt: sql`now()` })
    .where(inArray(reservations.id, stale))
    .returning(endedHoldFields)
    .execute({ rows: JSON.stringify(rows.map((r) => ({ variant_id: r.variantId, location_id: r.locationId }))) });
}

export type LedgerEntry = typeof stockMovements.$inferInsert;

// Raw SQL: insertRows (db/batch-statements.ts), one statement text for any number of entries.
const insertLedgerRows = insertRows(stockMovements, [
  "productId",
  "variantId",
  "locationId",
  "kind",
  "onHandDelta",
  "reservedDelta",
  "allocatedDelta",
  "reason",
  "actorId",
  "checkoutId",
  "orderId",
  "kitVariantId",
  "incomingDelta",
  "deliveryId",
]);

// Every changed row in one statement (one parameter), whatever the number of variants.
const updateStockLevels = preparedOnce(() =>
  db
    .update(stockLevels)
    .set({
      reserved: sql`${stockLevels.reserved} + change.reserved`,
      allocated: sql`${stockLevels.allocated} + change.allocated`,
      onHand: sql`${stockLevels.onHand} + change.on_hand`,
      incoming: sql`${stockLevels.incoming} + change.incoming`,
      updatedAt: sql`now()`,
    })
    .from(
      jsonRows(
        "change",
        {
          variant_id: stockLevels.variantId,
          location_id: stockLevels.locationId,
          reserved: stockLevels.reserved,
          allocated: stockLevels.allocated,
          on_hand: stockLevels.onHand,
          incoming: stockLevels.incoming,
        },
        sql.placeholder("changes"),
      ),
    )
    .where(sql`${stockLevels.variantId} = change.variant_id and ${stockLevels.locationId} = change.location_id`)
    .prepare("update_stock_levels"),
);

/**
 * Writes a set of stock changes to the ledger and to the stock rows (whose locks the caller holds): one
 * multi-row insert and one update of every changed stock row. A change that may free units goes through
 * `applyLedger` (apply.ts) instead, which hands them to the line; this is its first half. `reservedDelta` per stock row is the sum of the
 * entries' reserved deltas, so the levels always equal the ledger.
 */
export async function writeLedger(tx: Tx, entries: LedgerEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const delta = new Map<string, { variantId: string; locationId: string; reserved: number; allocated: number; onHand: number; incoming: number }>();
  for (const e of entries) {
    const key = `${e.variantId} ${e.locationId}`;
    const d = delta.get(key) ?? { variantId: e.variantId, locationId: e.locationId, reserved: 0, allocated: 0, onHand: 0, incoming: 0 };
    d.reserved += e.reservedDelta ?? 0;
    d.allocated += e.allocatedDelta ?? 0;
    d.onHand += e.onHandDelta ?? 0;
    d.incoming += e.incomingDelta ?? 0;
    delta.set(key, d);
  }
  const changes = [...delta.values()]
    .filter((d) => d.reserved !== 0 || d.allocated !== 0 || d.onHand !== 0 || d.incoming !== 0)
    .map((d) => ({
      variant_id: d.variantId,
      location_id: d.locationId,
      reserved: d.reserved,
      allocated: d.allocated,
      on_hand: d.onHand,
      incoming: d.incoming,
    }));
  // Sent together: postgres.js pipelines them on the transaction's connection, one round trip in all.
  await Promise.all([
    insertLedgerRows(
      tx,
      entries.map((e) => ({
        productId: e.productId,
        variantId: e.variantId,
        locationId: e.locationId,
        kind: e.kind,
        onHandDelta: e.onHandDelta ?? 0,
        reservedDelta: e.reservedDelta ?? 0,
        allocatedDelta: e.allocatedDelta ?? 0,
        reason: e.reason ?? null,
        actorId: e.actorId ?? null,
        checkoutId: e.checkoutId ?? null,
        orderId: e.orderId ?? null,
        kitVariantId: e.kitVariantId ?? null,
        incomingDelta: e.incomingDelta ?? 0,
        deliveryId: e.deliveryId ?? null,
      })),
    ),
    changes.length > 0 && updateStockLevels(tx, { changes: JSON.stringify(changes) }),
  ]);
}

export const expiredLedger = (holds: EndedHold[]): LedgerEntry[] =>
  holds.map((h) => ({
    productId: h.productId,
    variantId: h.variantId,
    locationId: h.locationId,
    kind: "expire" as const,
    reservedDelta: -h.quantity,
    checkoutId: h.checkoutId,
    kitVariantId: h.kitVariantId,
    reason: "hold expired",
  }));

/**
 * Records where a new order's units are allocated, once its lines exist: the stock rows each hold drew on
 * (`allocateToOrder` returns them).
 */
export async function recordOrderAllocations(tx: Tx, orderId: string, allocations: readonly OrderAllocationDraft[]): Promise<void> {
  if (allocations.length === 0) return;
  await tx.insert(orderAllocations).values(allocations.map((a) => ({ orderId, ...a })));
}

export type OrderAllocationDraft = {
  productId: string;
  variantId: string;
  locationId: string;
  quantity: number;
  /** The kit the units were sold in (a component's allocation), or null. */
  kitVariantId: string | null;
};

/** The checkout and shopper a hold belongs to, or undefined for an unknown hold. */
export async function holdOwner(reservationId: string): Promise<{ checkoutId: string; shopperId: string } | undefined> {
  const [owner] = await db
    .select({ checkoutId: reservations.checkoutId, shopperId: reservations.shopperId })
    .from(reservations)
    .where(eq(reservations.id, reservationId));
  return owner;
}

/** The units these checkouts hold (or held), per variant. */
export async function unitsHeldBy(tx: Tx, checkoutIds: readonly string[]): Promise<Map<string, number>> {
  const units = new Map<string, number>();
  if (checkoutIds.length === 0) return units;
  const lines = await tx
    .select({ variantId: reservations.variantId, quantity: reservations.quantity })
    .from(reservations)
    .where(inArray(reservations.checkoutId, [...checkoutIds]));
  for (const l of lines) units.set(l.variantId, (units.get(l.variantId) ?? 0) + l.quantity);
  return units;
}
