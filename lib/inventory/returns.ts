/**
 * An order's units after the sale, a line and a quantity at a time: shipping part of a line, units that leave the
 * order unshipped (refunded or cancelled: back on sale, or written off when damaged), and shipped units that come
 * back (a return: on hand up, ledger kind "return"). A kit's line moves its components, each by its units per kit.
 *
 * Every verb runs in the caller's transaction, which holds the order's row lock; it then locks the order's
 * allocations of those lines (by variant, location), then every stock row of their variants at once, in (variant,
 * location) order (stock.ts), and writes levels and ledger through `applyLedger` only.
 */
import "server-only";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { orderAllocations } from "@/db/schema";
import { DomainError } from "../platform/errors";
import { applyLedger } from "./apply";
import { lockStockRows, type LedgerEntry, type LockedStockRow } from "./stock";

/** Some units of one order line: `lineQuantity` is what the line sold (a kit's components are per kit). */
export type LineUnits = { variantId: string; lineQuantity: number; units: number };

type Allocation = {
  productId: string;
  variantId: string;
  locationId: string;
  kitVariantId: string | null;
  lineVariantId: string;
  quantity: number;
  fulfilled: number;
  released: number;
};

type Picked = Allocation & { take: number };

async function lockLineAllocations(tx: Tx, orderId: string, lineVariantIds: string[]): Promise<Allocation[]> {
  if (lineVariantIds.length === 0) return [];
  return tx
    .select({
      productId: orderAllocations.productId,
      variantId: orderAllocations.variantId,
      locationId: orderAllocations.locationId,
      kitVariantId: orderAllocations.kitVariantId,
      lineVariantId: orderAllocations.lineVariantId,
      quantity: orderAllocations.quantity,
      fulfilled: orderAllocations.fulfilled,
      released: orderAllocations.released,
    })
    .from(orderAllocations)
    .where(and(eq(orderAllocations.orderId, orderId), inArray(orderAllocations.lineVariantId, lineVariantIds)))
    .orderBy(asc(orderAllocations.variantId), asc(orderAllocations.locationId), asc(orderAllocations.kitVariantId))
    .for("update");
}

/**
 * Takes `units` of a line from its allocations, each component by its units per line unit, as far as `room`
 * allows per allocation. Throws when the line has fewer units with room than asked (nothing is written).
 */
function pickUnits(allocations: Allocation[], line: LineUnits, room: (a: Allocation) => number, what: string): Picked[] {
  const mine = allocations.filter((a) => a.lineVariantId === line.variantId);
  const components = [...new Set(mine.map((a) => a.variantId))];
  const picked: Picked[] = [];
  for (const component of components) {
    const rows = mine.filter((a) => a.variantId === component);
    const perUnit = rows.reduce((n, a) => n + a.quantity, 0) / Math.max(1, line.lineQuantity);
    let need = Math.round(perUnit * line.units);
    for (const a of rows) {
      const take = Math.min(need, room(a));
      if (take > 0) picked.push({ ...a, take });
      need -= take;
    }
    if (need > 0) {
      throw new DomainError("conflict", `Only ${line.units - Math.ceil(need / perUnit)} unit(s) of this line are ${what}.`, {
        variantId: line.variantId,
        requested: line.units,
      });
    }
  }
  return picked;
}

const rowOf = (rows: LockedStockRow[], a: { variantId: string; locationId: string }) =>
  rows.find((r) => r.variantId === a.variantId && r.locationId === a.locationId)!;

/**
 * Ships `units` of each line from where they are allocated (on hand and allocated both drop) and counts them
 * fulfilled. 409 `conflict` when a line has fewer units left to ship; 409 `awaiting_delivery` when pre-ordered
 * units are not on the shelf yet. Returns the units shipped per allocation.
 */
export async function shipLineUnits(
  tx: Tx,
  orderId: string,
  lines: LineUnits[],
  options: { actorId: string | null; reason: string },
): Promise<Picked[]> {
  const allocations = await lockLineAllocations(
    tx,
    orderId,
    lines.map((l) => l.variantId),
  );
  const picked = lines.flatMap((l) => pickUnits(allocations, l, (a) => a.quantity - a.fulfilled - a.released, "left to ship"));
  if (picked.length === 0) return [];
  const rows = await lockStockRows(tx, [...new Set(picked.map((p) => p.variantId))]);
  for (const p of picked) {
    const row = rowOf(rows, p);
    const needed = picked.filter((q) => q.variantId === p.variantId && q.locationId === p.locationId).reduce((n, q) => n + q.take, 0);
    if (needed > row.onHand) {
      throw new DomainError(
        "awaiting_delivery",
        `Only ${row.onHand} of the ${needed} units to ship are on the shelf: the rest are pre-ordered and on their way. Receive the delivery first.`,
        { variantId: p.variantId, locationId: p.locationId, onHand: row.onHand, needed },
      );
    }
  }
  await applyLedger(
    tx,
    picked.map((p) => ({
      productId: p.productId,
      variantId: p.variantId,
      locationId: p.locationId,
      kind: "fulfil" as const,
      onHandDelta: -p.take,
      allocatedDelta: -p.take,
      orderId,
      kitVariantId: p.kitVariantId,
      actorId: options.actorId,
      reason: options.reason,
    })),
  );
  await bumpAllocations(tx, orderId, picked, "fulfilled");
  return picked;
}

/**
 * The stock side of a refund: `unshipped` line units leave the order (restock: back on sale; otherwise written
 * off, as damaged: on hand drops too — a pre-ordered unit not here yet is only released); `returned` line units,
 * shipped before, come back onto the shelf they left (on hand up, kind "return"). 409 `conflict` when a line has
 * fewer unshipped units, or shipped ones, than asked.
 */
export async function settleRefundedUnits(
  tx: Tx,
  orderId: string,
  change: { unshipped: LineUnits[]; returned: LineUnits[]; restock: boolean; actorId: string | null; reason: string },
): Promise<void> {
  const lineIds = [...new Set([...change.unshipped, ...change.returned].filter((l) => l.units > 0).map((l) => l.variantId))];
  const allocations = await lockLineAllocations(tx, orderId, lineIds);
  const leaving = change.unshipped
    .filter((l) => l.units > 0)
    .flatMap((l) => pickUnits(allocations, l, (a) => a.quantity - a.fulfilled - a.released, "still unshipped"));
  const back = change.returned.filter((l) => l.units > 0).flatMap((l) => pickUnits(allocations, l, (a) => a.fulfilled, "shipped"));
  if (leaving.length === 0 && back.length === 0) return;
  const rows = await lockStockRows(tx, [...new Set([...leaving, ...back].map((p) => p.variantId))]);
  const common = { orderId, actorId: change.actorId, reason: change.reason };
  const entries: LedgerEntry[] = [];
  const shelfLeft = new Map<string, number>();
  for (const p of leaving) {
    const base = { productId: p.productId, variantId: p.variantId, locationId: p.locationId, kitVariantId: p.kitVariantId, ...common };
    const key = `${p.variantId} ${p.locationId}`;
    const onShelf = shelfLeft.get(key) ?? rowOf(rows, p).onHand;
    const writeOff = change.restock ? 0 : Math.min(p.take, Math.max(0, onShelf));
    shelfLeft.set(key, onShelf - writeOff);
    if (writeOff > 0) entries.push({ ...base, kind: "write_off", onHandDelta: -writeOff, allocatedDelta: -writeOff });
    if (p.take - writeOff > 0) entries.push({ ...base, kind: "release", allocatedDelta: -(p.take - writeOff) });
  }
  for (const p of back) {
    entries.push({
      productId: p.productId,
      variantId: p.variantId,
      locationId: p.locationId,
      kitVariantId: p.kitVariantId,
      ...common,
      kind: "return",
      onHandDelta: p.take,
    });
  }
  await applyLedger(tx, entries);
  await bumpAllocations(tx, orderId, leaving, "released");
}

async function bumpAllocations(tx: Tx, orderId: string, picked: Picked[], column: "fulfilled" | "released"): Promise<void> {
  for (const p of picked) {
    await tx
      .update(orderAllocations)
      .set(column === "fulfilled" ? { fulfilled: sql`${orderAllocations.fulfilled} + ${p.take}` } : { released: sql`${orderAllocations.released} + ${p.take}` })
      .where(
        and(
          eq(orderAllocations.orderId, orderId),
          eq(orderAllocations.variantId, p.variantId),
          eq(orderAllocations.locationId, p.locationId),
          p.kitVariantId === null ? sql`${orderAllocations.kitVariantId} is null` : eq(orderAllocations.kitVariantId, p.kitVariantId),
        ),
      );
  }
}

/** Units shipped and units still to ship, per order line (a kit's line counts whole kits). */
export async function lineShipping(tx: Tx, orderId: string, lines: { variantId: string; quantity: number }[]): Promise<Map<string, { fulfilled: number; open: number }>> {
  const allocations = await tx
    .select({
      variantId: orderAllocations.variantId,
      lineVariantId: orderAllocations.lineVariantId,
      quantity: orderAllocations.quantity,
      fulfilled: orderAllocations.fulfilled,
      released: orderAllocations.released,
    })
    .from(orderAllocations)
    .where(eq(orderAllocations.orderId, orderId));
  return new Map(lines.map((l) => [l.variantId, shippingOf(allocations.filter((a) => a.lineVariantId === l.variantId), l.quantity)]));
}

/** A line's shipped and open units from its allocations: for a kit, the whole kits its components make up. */
export function shippingOf(allocations: { variantId: string; quantity: number; fulfilled: number; released: number }[], lineQuantity: number) {
  const components = [...new Set(allocations.map((a) => a.variantId))];
  if (components.length === 0) return { fulfilled: 0, open: 0 };
  // A kit counts as shipped once all its components have, and as still to ship while any component is.
  let fulfilled = lineQuantity;
  let open = 0;
  for (const c of components) {
    const rows = allocations.filter((a) => a.variantId === c);
    const perUnit = rows.reduce((n, a) => n + a.quantity, 0) / Math.max(1, lineQuantity);
    fulfilled = Math.min(fulfilled, Math.floor(rows.reduce((n, a) => n + a.fulfilled, 0) / perUnit));
    open = Math.max(open, Math.ceil(rows.reduce((n, a) => n + a.quantity - a.fulfilled - a.released, 0) / perUnit));
  }
  return { fulfilled, open };
}
