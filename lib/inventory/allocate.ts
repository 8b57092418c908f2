/**
 * A checkout's holds on their way to an order: extended while the shopper works or pays, renewed when they
 * lapsed, re-priced when the shopper accepted new prices, and allocated to the order once it is paid. Every
 * function takes the caller's transaction, which holds the checkout's row lock (the lock order: checkout → its
 * reservations → stock rows, by variant id).
 */
import "server-only";
import { and, asc, count, eq, gt, sql, type SQL } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { products, productVariants, reservations } from "@/db/schema";
import { freeUnitsOf } from "./availability";
import { applyLedger, expireStaleHoldsOn, expiredLedger, lockStockRows, type LedgerEntry, type ShortLine } from "./stock";

/**
 * Extends every hold of the checkout to `until` (with `keepLater`, a hold that already lasts longer keeps its
 * time), if every one is still active and in time. Takes the reservations' row locks, which keeps the stale-hold
 * sweep away from them until commit. False if any hold has lapsed or ended (some may have been extended: the
 * caller rolls back or holds them afresh).
 */
export async function extendHolds(tx: Tx, checkoutId: string, until: SQL, options: { keepLater?: boolean } = {}): Promise<boolean> {
  const [extended, [all]] = await Promise.all([
    tx
      .update(reservations)
      .set({ expiresAt: options.keepLater ? sql`greatest(${reservations.expiresAt}, ${until})` : until })
      .where(and(eq(reservations.checkoutId, checkoutId), eq(reservations.status, "active"), gt(reservations.expiresAt, sql`now()`)))
      .returning({ id: reservations.id }),
    tx.select({ n: count() }).from(reservations).where(eq(reservations.checkoutId, checkoutId)),
  ]);
  return extended.length > 0 && extended.length === all!.n;
}

/**
 * Holds a checkout's lines afresh until `until`: its live holds stay, lapsed ones are taken from free stock, all
 * or nothing. Returns the short lines (nothing changed but the stale holds expired) if the stock is not there.
 */
export async function renewHolds(tx: Tx, checkoutId: string, until: SQL): Promise<ShortLine[]> {
  return (await takeLines(tx, checkoutId, { reserve: true, until })).short;
}

/**
 * Allocates a checkout's lines to its order (authorize, allocate, then capture): live holds become allocated
 * units, lapsed ones are taken afresh from free stock, all or nothing. Returns the short lines if it could not.
 */
export async function allocateToOrder(tx: Tx, checkoutId: string, order: { orderId: string; actorId: string }): Promise<ShortLine[]> {
  return (await takeLines(tx, checkoutId, { reserve: false, ...order })).short;
}

/** A revived checkout's holds take the prices the shopper accepted. */
export async function repriceHolds(tx: Tx, checkoutId: string, lines: readonly { variantId: string; unitPriceCents: number }[]): Promise<void> {
  await Promise.all(
    lines.map((l) =>
      tx
        .update(reservations)
        .set({ unitPriceCents: l.unitPriceCents })
        .where(and(eq(reservations.checkoutId, checkoutId), eq(reservations.variantId, l.variantId))),
    ),
  );
}

/**
 * What a checkout holds (or held), line by line, with each product's name, the variant's SKU and options, and what
 * it sells for now. A variant no longer sold (retired) reads as archived, as its product would.
 */
export function heldLines(tx: Tx, checkoutId: string) {
  return tx
    .select({
      productId: reservations.productId,
      variantId: reservations.variantId,
      name: products.name,
      sku: productVariants.sku,
      options: productVariants.options,
      quantity: reservations.quantity,
      unitPriceCents: reservations.unitPriceCents,
      priceNowCents: productVariants.priceCents,
      // Raw SQL: a boolean of the timestamps, read in the same select.
      archived: sql<boolean>`(${products.archivedAt} is not null or ${productVariants.retiredAt} is not null)`,
    })
    .from(reservations)
    .innerJoin(products, eq(products.id, reservations.productId))
    .innerJoin(productVariants, eq(productVariants.id, reservations.variantId))
    .where(eq(reservations.checkoutId, checkoutId))
    .orderBy(asc(reservations.variantId));
}

/**
 * Under the stock rows' locks (variant-id order), makes this checkout's lines its own again: its live holds
 * stay, lapsed ones are taken afresh from free stock, all or nothing. With `reserve`, they become active holds
 * until `until`; otherwise they are allocated to `orderId` at once.
 */
async function takeLines(
  tx: Tx,
  checkoutId: string,
  mode: { reserve: true; until: SQL } | { reserve: false; orderId: string; actorId: string },
): Promise<{ short: ShortLine[] }> {
  // The checkout's own holds first (the lock order: checkout → its reservations → stock rows), so no sweep can
  // change one of them between this read and the writes below.
  const lines = await tx
    .select({
      id: reservations.id,
      productId: reservations.productId,
      variantId: reservations.variantId,
      quantity: reservations.quantity,
      status: reservations.status,
    })
    .from(reservations)
    .where(eq(reservations.checkoutId, checkoutId))
    .orderBy(asc(reservations.variantId))
    .for("update");
  const ids = lines.map((l) => l.variantId);
  const [stock, expired] = await Promise.all([lockStockRows(tx, ids), expireStaleHoldsOn(tx, ids)]);
  const expiredHere = new Set(expired.filter((e) => e.checkoutId === checkoutId).map((e) => e.variantId));
  const free = new Map(stock.map((s) => [s.variantId, freeUnitsOf(s)]));
  for (const e of expired) free.set(e.variantId, (free.get(e.variantId) ?? 0) + e.quantity);
  const isLiveHold = (l: (typeof lines)[number]) => l.status === "active" && !expiredHere.has(l.variantId);
  const short = lines
    .filter((l) => !isLiveHold(l) && l.quantity > (free.get(l.variantId) ?? 0))
    .map((l) => ({
      productId: l.productId,
      variantId: l.variantId,
      requested: l.quantity,
      available: Math.max(0, free.get(l.variantId) ?? 0),
    }));
  if (short.length > 0) {
    await applyLedger(tx, expiredLedger(expired));
    return { short };
  }
  const ledger: LedgerEntry[] = [...expiredLedger(expired)];
  for (const l of lines) {
    const live = isLiveHold(l);
    if (mode.reserve) {
      if (!live) {
        ledger.push({ productId: l.productId, variantId: l.variantId, kind: "reserve", reservedDelta: l.quantity, checkoutId, reason: "hold renewed for payment" });
      }
    } else {
      ledger.push({
        productId: l.productId,
        variantId: l.variantId,
        kind: "allocate",
        reservedDelta: live ? -l.quantity : 0,
        allocatedDelta: l.quantity,
        checkoutId,
        orderId: mode.orderId,
        actorId: mode.actorId,
        reason: live ? "order paid" : "order paid after its hold lapsed",
      });
    }
  }
  await Promise.all([
    tx
      .update(reservations)
      .set(mode.reserve ? { status: "active", endedAt: null, expiresAt: mode.until } : { status: "allocated", endedAt: sql`now()` })
      .where(eq(reservations.checkoutId, checkoutId)),
    applyLedger(tx, ledger),
  ]);
  return { short: [] };
}
