/**
 * Ending holds and settling an order's units: a checkout's holds released or expired, an order's unshipped units
 * back on sale or shipped. Each runs inside the caller's transaction, in the lock order of stock.ts, and writes
 * through `applyLedger`, so units freed on a variant that shoppers wait for go to the line at once.
 */
import "server-only";
import { and, asc, eq, sql } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { checkouts, orderAllocations, reservations, type CheckoutEnder } from "@/db/schema";
import { moveTo } from "../checkout/states";
import { recordExpired, recordReleased } from "../platform/metrics";
import { DomainError } from "../platform/errors";
import { applyLedger } from "./apply";
import { lockStockRows } from "./stock";

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
    .select({ variantId: reservations.variantId })
    .from(reservations)
    .where(and(eq(reservations.checkoutId, checkoutId), eq(reservations.status, "active")));
  await lockStockRows(
    tx,
    held.map((r) => r.variantId),
  );
  const freed = await tx
    .update(reservations)
    .set({ status: options.kind === "expire" ? "expired" : "released", endedAt: sql`now()` })
    .where(and(eq(reservations.checkoutId, checkoutId), eq(reservations.status, "active")))
    .returning({
      productId: reservations.productId,
      variantId: reservations.variantId,
      locationId: reservations.locationId,
      quantity: reservations.quantity,
      kitVariantId: reservations.kitVariantId,
    });
  (options.kind === "expire" ? recordExpired : recordReleased)(freed.length);
  await applyLedger(
    tx,
    freed.map((f) => ({
      productId: f.productId,
      variantId: f.variantId,
      locationId: f.locationId,
      kind: options.kind,
      reservedDelta: -f.quantity,
      checkoutId,
      kitVariantId: f.kitVariantId,
      actorId: options.actorId,
      reason: options.reason,
    })),
  );
  await moveTo(tx, eq(checkouts.id, checkoutId), options.status, { endedBy: options.endedBy, endedAt: sql`now()` });
  return freed.length;
}

/**
 * An order's units not yet shipped leave `allocated` at the locations they were allocated at (all of them, or
 * `atLocation`'s): back on sale, or off the shelf with them (on hand drops too, and they count as shipped). The
 * caller holds the order's row lock; the stock rows are locked here, in (variant, location) order. Returns the
 * units settled, per allocation.
 */
async function settleOrderUnits(
  tx: Tx,
  orderId: string,
  change: { kind: "release" | "fulfil"; offTheShelf: boolean; actorId: string | null; reason: string; atLocation?: string },
): Promise<{ variantId: string; locationId: string; quantity: number }[]> {
  const unshipped = await tx
    .select({
      productId: orderAllocations.productId,
      variantId: orderAllocations.variantId,
      locationId: orderAllocations.locationId,
      kitVariantId: orderAllocations.kitVariantId,
      quantity: sql<number>`${orderAllocations.quantity} - ${orderAllocations.fulfilled} - ${orderAllocations.released}`.mapWith(Number),
    })
    .from(orderAllocations)
    .where(
      and(
        eq(orderAllocations.orderId, orderId),
        sql`${orderAllocations.fulfilled} + ${orderAllocations.released} < ${orderAllocations.quantity}`,
        change.atLocation === undefined ? undefined : eq(orderAllocations.locationId, change.atLocation),
      ),
    )
    .orderBy(asc(orderAllocations.variantId), asc(orderAllocations.locationId))
    .for("update");
  if (unshipped.length === 0) return [];
  const rows = await lockStockRows(
    tx,
    [...new Set(unshipped.map((l) => l.variantId))],
  );
  if (change.offTheShelf) {
    // A pre-order ships once its units are here: shipping more than is on the shelf would take units on their way.
    for (const l of unshipped) {
      const row = rows.find((r) => r.variantId === l.variantId && r.locationId === l.locationId)!;
      const needed = unshipped.filter((u) => u.variantId === l.variantId && u.locationId === l.locationId).reduce((n, u) => n + u.quantity, 0);
      if (needed > row.onHand) {
        throw new DomainError(
          "awaiting_delivery",
          `Only ${row.onHand} of the ${needed} units to ship are on the shelf: the rest are pre-ordered and on their way. Receive the delivery first.`,
          { variantId: l.variantId, locationId: l.locationId, onHand: row.onHand, needed },
        );
      }
    }
  }
  await Promise.all([
    applyLedger(
      tx,
      unshipped.map((l) => ({
        productId: l.productId,
        variantId: l.variantId,
        locationId: l.locationId,
        kind: change.kind,
        ...(change.offTheShelf ? { onHandDelta: -l.quantity } : {}),
        allocatedDelta: -l.quantity,
        orderId,
        kitVariantId: l.kitVariantId,
        actorId: change.actorId,
        reason: change.reason,
      })),
    ),
    // Shipped units count as fulfilled; released ones as released (they left the order unshipped).
    tx
      .update(orderAllocations)
      .set(
        change.offTheShelf
          ? { fulfilled: sql`${orderAllocations.quantity} - ${orderAllocations.released}` }
          : { released: sql`${orderAllocations.quantity} - ${orderAllocations.fulfilled}` },
      )
        .where(
          and(
            eq(orderAllocations.orderId, orderId),
            change.atLocation === undefined ? undefined : eq(orderAllocations.locationId, change.atLocation),
          ),
        ),
  ]);
  return unshipped;
}

/** Puts an unshipped order's allocated units back on sale (the order was given up: its payment failed). */
export async function releaseOrderUnits(tx: Tx, orderId: string, options: { actorId: string | null; reason: string }): Promise<void> {
  await settleOrderUnits(tx, orderId, { kind: "release", offTheShelf: false, ...options });
}

/**
 * Ships an order's units, from every location or from one (`locationId`): they leave the shelf (on hand and
 * allocated both drop). Returns whether any unit is still to ship after this, and what shipped.
 */
export async function fulfilOrderUnits(
  tx: Tx,
  orderId: string,
  options: { actorId: string | null; locationId?: string },
): Promise<{ shipped: { variantId: string; locationId: string; quantity: number }[]; unitsLeft: number }> {
  const shipped = await settleOrderUnits(tx, orderId, {
    kind: "fulfil",
    offTheShelf: true,
    actorId: options.actorId,
    reason: "order fulfilled",
    atLocation: options.locationId,
  });
  const [left] = await tx
    .select({ units: sql<number>`coalesce(sum(${orderAllocations.quantity} - ${orderAllocations.fulfilled} - ${orderAllocations.released}), 0)`.mapWith(Number) })
    .from(orderAllocations)
    .where(eq(orderAllocations.orderId, orderId));
  return { shipped, unitsLeft: left!.units };
}

