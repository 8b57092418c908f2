/**
 * A checkout's holds on their way to an order: extended while the shopper works or pays, renewed when they
 * lapsed, re-priced when the shopper accepted new prices, and allocated to the order once it is paid. Every
 * function takes the caller's transaction, which holds the checkout's row lock (the lock order: checkout → its
 * reservations → stock rows, by variant id and location id). A checkout's line may be held at several
 * locations: one hold row per location.
 */
import "server-only";
import { and, asc, count, eq, gt, inArray, sql, type SQL } from "drizzle-orm";
import type { Db, Tx } from "@/db/client";
import { products, productVariants, reservations } from "@/db/schema";
import { FreeStock } from "./free-stock";
import { applyLedger } from "./apply";
import {
  expireStaleHoldsOn,
  expiredLedger,
  lockStockRows,
  type LedgerEntry,
  type OrderAllocationDraft,
  type ShortLine,
} from "./stock";

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
 * units where they are held, lapsed ones are taken afresh from free stock by the holding rule, all or nothing.
 * Returns the short lines if it could not, or else where each unit is allocated (for `recordOrderAllocations`
 * once the order's lines exist).
 */
export async function allocateToOrder(
  tx: Tx,
  checkoutId: string,
  order: { orderId: string; actorId: string },
): Promise<{ short: ShortLine[]; allocations: OrderAllocationDraft[] }> {
  return takeLines(tx, checkoutId, { reserve: false, ...order });
}

/**
 * The variant of the line a hold belongs to: the kit, for a kit's component; the held variant otherwise (a kit has
 * no stock rows, so the two never mix).
 */
const lineVariantOfHold = sql<string>`coalesce(${reservations.kitVariantId}, ${reservations.variantId})`;

/** A revived checkout's holds take the prices the shopper accepted (a kit line's price on each of its holds). */
export async function repriceHolds(tx: Tx, checkoutId: string, lines: readonly { variantId: string; unitPriceCents: number }[]): Promise<void> {
  await Promise.all(
    lines.map((l) =>
      tx
        .update(reservations)
        .set({ unitPriceCents: l.unitPriceCents })
        .where(and(eq(reservations.checkoutId, checkoutId), eq(lineVariantOfHold, l.variantId))),
    ),
  );
}

/**
 * What a checkout holds (or held), line by line (a line held at several locations is one line; a kit line is its
 * components' holds, each saying how many kits), with each product's name, the variant's SKU and options, and
 * what it sells for now. A variant no longer sold (retired) reads as archived, as its product would.
 */
export function heldLines(tx: Db | Tx, checkoutId: string) {
  return tx
    .select({
      productId: productVariants.productId,
      variantId: productVariants.id,
      slug: products.slug,
      name: products.name,
      sku: productVariants.sku,
      options: productVariants.options,
      quantity: sql<number>`coalesce(max(${reservations.kitQuantity}), sum(${reservations.quantity}))::int`,
      // One price per line: every hold row of a line is priced (and re-priced) together.
      unitPriceCents: sql<number>`max(${reservations.unitPriceCents})::int`,
      priceNowCents: productVariants.priceCents,
      // Raw SQL: a boolean of the timestamps, read in the same select.
      archived: sql<boolean>`(${products.archivedAt} is not null or ${productVariants.retiredAt} is not null)`,
    })
    .from(reservations)
    .innerJoin(productVariants, eq(productVariants.id, lineVariantOfHold))
    .innerJoin(products, eq(products.id, productVariants.productId))
    .where(eq(reservations.checkoutId, checkoutId))
    .groupBy(products.id, productVariants.id)
    .orderBy(asc(productVariants.id));
}

type HoldRow = {
  id: string;
  shopperId: string;
  productId: string;
  variantId: string;
  locationId: string;
  quantity: number;
  status: string;
  unitPriceCents: number;
  kitVariantId: string | null;
  kitQuantity: number | null;
};

/** A hold's line and stock row: a kit's component is held apart from the same variant bought alone. */
const lineOf = (h: { variantId: string; kitVariantId: string | null }) => `${h.variantId} ${h.kitVariantId ?? ""}`;
const placeOf = (h: { variantId: string; locationId: string; kitVariantId: string | null }) => `${lineOf(h)} ${h.locationId}`;

/**
 * Under the stock rows' locks ((variant, location) order), makes this checkout's lines its own again: its live
 * holds stay where they are, lapsed ones are taken afresh from free stock by the holding rule (which may pick
 * other locations), all or nothing. With `reserve`, they become active holds until `until`; otherwise they are
 * allocated to `orderId` at once.
 */
async function takeLines(
  tx: Tx,
  checkoutId: string,
  mode: { reserve: true; until: SQL } | { reserve: false; orderId: string; actorId: string },
): Promise<{ short: ShortLine[]; allocations: OrderAllocationDraft[] }> {
  // The checkout's own holds first (the lock order: checkout → its reservations → stock rows), so no sweep can
  // change one of them between this read and the writes below.
  const rows: HoldRow[] = await tx
    .select({
      id: reservations.id,
      shopperId: reservations.shopperId,
      productId: reservations.productId,
      variantId: reservations.variantId,
      locationId: reservations.locationId,
      quantity: reservations.quantity,
      status: reservations.status,
      unitPriceCents: reservations.unitPriceCents,
      kitVariantId: reservations.kitVariantId,
      kitQuantity: reservations.kitQuantity,
    })
    .from(reservations)
    .where(eq(reservations.checkoutId, checkoutId))
    .orderBy(asc(reservations.variantId), asc(reservations.locationId), asc(reservations.kitVariantId))
    .for("update");
  const ids = [...new Set(rows.map((l) => l.variantId))];
  const [stock, expired] = await Promise.all([lockStockRows(tx, ids), expireStaleHoldsOn(tx, ids)]);
  const expiredHere = new Set(expired.filter((e) => e.checkoutId === checkoutId).map(placeOf));
  const free = new FreeStock(stock);
  for (const e of expired) free.giveBack(e.variantId, e.locationId, e.quantity);
  const isLive = (r: HoldRow) => r.status === "active" && !expiredHere.has(placeOf(r));
  const live = rows.filter(isLive);
  const lapsed = rows.filter((r) => !isLive(r));
  // What each lapsed line needs afresh (a kit's component apart from the variant bought alone), taken by the rule.
  const needed = new Map<string, HoldRow & { quantity: number }>();
  for (const r of lapsed) {
    const n = needed.get(lineOf(r));
    needed.set(lineOf(r), n ? { ...n, quantity: n.quantity + r.quantity } : { ...r });
  }
  const took = free.takeAll([...needed.values()]);
  if ("short" in took) {
    await applyLedger(tx, expiredLedger(expired));
    // Each short variant once, as the checkout's line that needs it (a kit's component: the kit's line).
    const short = took.short.map((s) => {
      const n = [...needed.values()].find((l) => l.variantId === s.variantId)!;
      return { productId: n.productId, variantId: n.variantId, requested: s.needed, available: s.available };
    });
    return { short, allocations: [] };
  }
  // The new holds: live ones as they are, lapsed lines at the locations the rule gave them (merged with a live
  // hold of the same line at the same location).
  type Held = OrderAllocationDraft & { unitPriceCents: number; kitQuantity: number | null; fresh: number };
  const held = new Map<string, Held>();
  const add = (r: HoldRow, locationId: string, quantity: number, fresh: boolean) => {
    const key = placeOf({ ...r, locationId });
    const h: Held = held.get(key) ?? {
      productId: r.productId,
      variantId: r.variantId,
      locationId,
      kitVariantId: r.kitVariantId,
      kitQuantity: r.kitQuantity,
      quantity: 0,
      unitPriceCents: r.unitPriceCents,
      fresh: 0,
    };
    h.quantity += quantity;
    if (fresh) h.fresh += quantity;
    held.set(key, h);
  };
  for (const r of live) add(r, r.locationId, r.quantity, false);
  for (const [line, portions] of took.taken) {
    for (const p of portions) add(line, p.locationId, p.quantity, true);
  }
  const ledger: LedgerEntry[] = [...expiredLedger(expired)];
  for (const h of held.values()) {
    const liveUnits = h.quantity - h.fresh;
    if (mode.reserve) {
      if (h.fresh > 0) {
        ledger.push({ ...pick(h), kind: "reserve", reservedDelta: h.fresh, checkoutId, reason: "hold renewed for payment" });
      }
    } else {
      ledger.push({
        ...pick(h),
        kind: "allocate",
        reservedDelta: -liveUnits,
        allocatedDelta: h.quantity,
        checkoutId,
        orderId: mode.orderId,
        actorId: mode.actorId,
        reason: h.fresh === 0 ? "order paid" : "order paid after its hold lapsed",
      });
    }
  }
  // The lapsed rows give way to the new ones; the live rows take their line's new quantity at their location.
  const now = mode.reserve ? { status: "active" as const, endedAt: null, expiresAt: mode.until } : { status: "allocated" as const, endedAt: sql`now()` };
  const liveAt = new Map(live.map((r) => [placeOf(r), r.id]));
  await Promise.all([
    lapsed.length > 0 &&
      tx.delete(reservations).where(
        inArray(
          reservations.id,
          lapsed.map((r) => r.id),
        ),
      ),
    live.length > 0 &&
      tx
        .update(reservations)
        .set(now)
        .where(
          inArray(
            reservations.id,
            live.map((r) => r.id),
          ),
        ),
    ...[...held.values()]
      .filter((h) => h.fresh > 0 && liveAt.has(placeOf(h)))
      .map((h) => tx.update(reservations).set({ quantity: h.quantity }).where(eq(reservations.id, liveAt.get(placeOf(h))!))),
  ]);
  const inserts = [...held.values()].filter((h) => h.fresh > 0 && !liveAt.has(placeOf(h)));
  await Promise.all([
    inserts.length > 0 &&
      tx.insert(reservations).values(
        inserts.map((h) => ({
          checkoutId,
          shopperId: rows[0]!.shopperId,
          productId: h.productId,
          variantId: h.variantId,
          locationId: h.locationId,
          quantity: h.fresh,
          unitPriceCents: h.unitPriceCents,
          kitVariantId: h.kitVariantId,
          kitQuantity: h.kitQuantity,
          ...(mode.reserve ? { expiresAt: mode.until } : { status: "allocated" as const, endedAt: sql`now()`, expiresAt: sql`now()` }),
        })),
      ),
    applyLedger(tx, ledger),
  ]);
  return { short: [], allocations: [...held.values()].map((h) => ({ ...pick(h), quantity: h.quantity })) };
}

const pick = (h: { productId: string; variantId: string; locationId: string; kitVariantId: string | null }) => ({
  productId: h.productId,
  variantId: h.variantId,
  locationId: h.locationId,
  kitVariantId: h.kitVariantId,
});
