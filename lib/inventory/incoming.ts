/**
 * Stock on its way, and the pre-orders sold against it. A delivery records units expected at one stock row
 * (variant × location) on a day; the row's `incoming` is what its open deliveries still expect. A variant taking
 * pre-orders (`preorder`) may be held and sold against those units once every shelf is empty (the holding rule,
 * free-stock.ts): on hand and incoming each stay ≥ 0, and reserved + allocated never pass on hand + incoming.
 *
 * Who waits for which delivery is not written down but counted: the units a row has promised beyond its shelf
 * (reserved + allocated − on hand) wait for its deliveries in expected order, and among orders the first paid is
 * the first shipped. So receiving units needs no pre-order moved (they stay allocated where they are), and the
 * dates a shopper sees follow the holds that lapse ahead of them.
 */
import "server-only";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { db, type Db, type Tx } from "@/db/client";
import { incomingDeliveries, locations, orderAllocations, orders, productVariants, stockLevels } from "@/db/schema";
import { DomainError, notFound } from "../platform/errors";
import { resolveVariant, type VariantChoice } from "../catalog/variants";
import { MAX_ON_HAND, reservedUnits } from "./availability";
import { inactiveLocation, resolveLocation } from "./locations";
import { expireStaleHoldsOn, expiredLedger, lockStockRows, type LedgerEntry, type LockedStockRow } from "./stock";
import { applyLedger } from "./apply";

export type DeliveryView = {
  id: string;
  productId: string;
  variantId: string;
  locationId: string;
  /** Units still expected. */
  quantity: number;
  received: number;
  /** The day it is expected (YYYY-MM-DD). */
  expectedAt: string;
  status: "expected" | "received" | "cancelled";
  /** Pre-ordered units waiting for this delivery (sold or held beyond the shelf, in expected order). */
  preordered: number;
};

const deliveryFields = {
  id: incomingDeliveries.id,
  productId: incomingDeliveries.productId,
  variantId: incomingDeliveries.variantId,
  locationId: incomingDeliveries.locationId,
  quantity: incomingDeliveries.quantity,
  received: incomingDeliveries.received,
  expectedAt: incomingDeliveries.expectedOn,
  status: incomingDeliveries.status,
};

/** A delivery's ledger row: on its stock row, naming the delivery. */
const deliveryMovement = (
  delivery: { id: string; productId: string; variantId: string; locationId: string },
  change: Pick<LedgerEntry, "kind" | "onHandDelta" | "incomingDelta" | "actorId" | "reason">,
): LedgerEntry => ({
  productId: delivery.productId,
  variantId: delivery.variantId,
  locationId: delivery.locationId,
  deliveryId: delivery.id,
  ...change,
});

/** The units a row has promised beyond its shelf: what its pre-orders wait for. */
const promisedBeyondShelf = (row: { onHand: number; reserved: number; allocated: number }) =>
  Math.max(0, row.reserved + row.allocated - row.onHand);

/** Hands `beyond` units to deliveries in expected order: how many wait for each. */
function waitingFor<D extends { quantity: number }>(deliveries: readonly D[], beyond: number): (D & { preordered: number })[] {
  let left = beyond;
  return deliveries.map((d) => {
    const preordered = Math.min(left, d.quantity);
    left -= preordered;
    return { ...d, preordered };
  });
}

/** The open deliveries of these stock rows' variants, oldest expected first (to lock: `forUpdate`). */
function openDeliveries(executor: Db | Tx, variantIds: readonly string[], options: { forUpdate?: boolean } = {}) {
  const query = executor
    .select(deliveryFields)
    .from(incomingDeliveries)
    .where(and(inArray(incomingDeliveries.variantId, [...variantIds]), eq(incomingDeliveries.status, "expected")))
    .orderBy(asc(incomingDeliveries.variantId), asc(incomingDeliveries.locationId), asc(incomingDeliveries.expectedOn), asc(incomingDeliveries.createdAt), asc(incomingDeliveries.id));
  return options.forUpdate ? query.for("update") : query;
}

/**
 * A variant's stock row at a location, locked, with its stale holds expired (their units count as free again):
 * the start of every delivery verb. Lock order: stock rows, then the deliveries.
 */
async function lockRow(tx: Tx, input: VariantChoice & { locationId?: string | undefined }, options: { stocking: boolean }) {
  const [variant, location] = await Promise.all([resolveVariant(tx, input, { forSale: false }), resolveLocation(tx, input.locationId)]);
  if (options.stocking && !location.active) throw inactiveLocation(location);
  const [rows, expired] = await Promise.all([lockStockRows(tx, [variant.variantId]), expireStaleHoldsOn(tx, [variant.variantId])]);
  const row = rows.find((r) => r.locationId === location.id);
  // A kit has no stock rows: nothing can be on its way to it.
  if (!row) throw new DomainError("invalid_request", "A kit has no stock of its own: record deliveries of its components.", { field: "variantId" });
  const freed = expired.filter((e) => e.locationId === location.id).reduce((n, e) => n + e.quantity, 0);
  return { variant, location, row: { ...row, reserved: row.reserved - freed } satisfies LockedStockRow, expired };
}

/**
 * Records units on their way to a variant at a location (default: the first by priority), expected on a day
 * that is not past (by the database's date). 201 with the delivery; a kit, a past day or an inactive location is a
 * 4xx, and nothing is written.
 */
export async function recordIncoming(
  input: VariantChoice & { productId: string; locationId?: string | undefined; quantity: number; expectedAt: string; actorId: string | null },
): Promise<DeliveryView> {
  return db.transaction(async (tx) => {
    const { variant, location, row, expired } = await lockRow(tx, input, { stocking: true });
    const [{ today }] = (await tx.select({ today: sql<string>`current_date::text` }).from(sql`(select 1) as one`)) as [{ today: string }];
    if (input.expectedAt < today) {
      throw new DomainError("invalid_request", `expectedAt ${input.expectedAt} is in the past: a delivery is expected today or later.`, {
        field: "expectedAt",
      });
    }
    if (row.incoming + row.onHand + input.quantity > MAX_ON_HAND) {
      throw new DomainError("invariant_violation", `Cannot expect ${input.quantity} more: one variant can have at most ${MAX_ON_HAND} at ${location.name}.`);
    }
    const [delivery] = await tx
      .insert(incomingDeliveries)
      .values({
        productId: variant.productId,
        variantId: variant.variantId,
        locationId: location.id,
        quantity: input.quantity,
        expectedOn: input.expectedAt,
        actorId: input.actorId,
      })
      .returning(deliveryFields);
    await applyLedger(tx, [
      ...expiredLedger(expired),
      deliveryMovement(delivery!, { kind: "incoming", incomingDelta: input.quantity, actorId: input.actorId, reason: `expected ${input.expectedAt}` }),
    ]);
    return { ...delivery!, preordered: 0 };
  });
}

/**
 * Receives units of a variant at a location: they leave its open deliveries (oldest expected first) for the
 * shelf. Pre-orders stay allocated where they are; the shelf now covers them. Receiving more than is on its way
 * is a 409, and nothing moves. Returns the deliveries it touched.
 */
export async function receiveIncoming(
  input: VariantChoice & { productId: string; locationId?: string | undefined; quantity: number; actorId: string | null },
): Promise<DeliveryView[]> {
  return db.transaction(async (tx) => {
    const { variant, location, row, expired } = await lockRow(tx, input, { stocking: false });
    const open = (await openDeliveries(tx, [variant.variantId], { forUpdate: true })).filter((d) => d.locationId === location.id);
    const expected = open.reduce((n, d) => n + d.quantity, 0);
    if (input.quantity > expected) {
      throw new DomainError(
        "invariant_violation",
        `Cannot receive ${input.quantity}: only ${expected} ${expected === 1 ? "is" : "are"} on the way to ${location.name}.`,
        { incoming: expected },
      );
    }
    if (row.onHand + input.quantity > MAX_ON_HAND) {
      throw new DomainError("invariant_violation", `Cannot receive ${input.quantity}: one variant can have at most ${MAX_ON_HAND} at ${location.name}.`);
    }
    let left = input.quantity;
    const ledger: LedgerEntry[] = [...expiredLedger(expired)];
    const touched: DeliveryView[] = [];
    for (const d of open) {
      if (left === 0) break;
      const n = Math.min(left, d.quantity);
      left -= n;
      const done = n === d.quantity;
      const [after] = await tx
        .update(incomingDeliveries)
        .set({
          quantity: sql`${incomingDeliveries.quantity} - ${n}`,
          received: sql`${incomingDeliveries.received} + ${n}`,
          ...(done ? { status: "received" as const, closedAt: sql`now()` } : {}),
        })
        .where(eq(incomingDeliveries.id, d.id))
        .returning(deliveryFields);
      touched.push({ ...after!, preordered: 0 });
      ledger.push(
        deliveryMovement(d, {
          kind: "receive",
          onHandDelta: n,
          incomingDelta: -n,
          actorId: input.actorId,
          reason: `delivery expected ${d.expectedAt} received`,
        }),
      );
    }
    await applyLedger(tx, ledger);
    return touched;
  });
}

/**
 * Cancels a delivery that has not come: its units are no longer on their way. Refused (409 `preorders_waiting`)
 * while pre-orders wait for it (the row's other deliveries and shelf cannot cover them): refund or move them
 * first.
 */
export async function cancelDelivery(input: { deliveryId: string; productId: string; actorId: string | null }): Promise<DeliveryView> {
  return db.transaction(async (tx) => {
    const [known] = await tx
      .select(deliveryFields)
      .from(incomingDeliveries)
      .where(and(eq(incomingDeliveries.id, input.deliveryId), eq(incomingDeliveries.productId, input.productId)));
    if (!known) throw notFound("delivery");
    const { row, expired } = await lockRow(tx, { variantId: known.variantId, productId: known.productId, locationId: known.locationId }, { stocking: false });
    const [delivery] = await tx.select(deliveryFields).from(incomingDeliveries).where(eq(incomingDeliveries.id, input.deliveryId)).for("update");
    if (delivery!.status !== "expected") {
      throw new DomainError("conflict", `This delivery was already ${delivery!.status}.`, { status: delivery!.status });
    }
    const waiting = row.reserved + row.allocated - (row.onHand + row.incoming - delivery!.quantity);
    if (waiting > 0) {
      throw new DomainError(
        "preorders_waiting",
        `${waiting} pre-ordered ${waiting === 1 ? "unit waits" : "units wait"} for this delivery: refund or move ${waiting === 1 ? "it" : "them"} before cancelling it.`,
        { preordered: waiting },
      );
    }
    const [after] = await tx
      .update(incomingDeliveries)
      .set({ quantity: 0, status: "cancelled", closedAt: sql`now()` })
      .where(eq(incomingDeliveries.id, input.deliveryId))
      .returning(deliveryFields);
    await applyLedger(tx, [
      ...expiredLedger(expired),
      deliveryMovement(known, {
        kind: "incoming",
        incomingDelta: -delivery!.quantity,
        actorId: input.actorId,
        reason: `delivery expected ${known.expectedAt} cancelled`,
      }),
    ]);
    return { ...after!, preordered: 0 };
  });
}

/** A stock row's levels as the delivery reads need them, lapsed holds left out of `reserved`. */
const rowLevels = (executor: Db | Tx, variantIds: readonly string[]) =>
  executor
    .select({
      variantId: stockLevels.variantId,
      locationId: stockLevels.locationId,
      priority: locations.priority,
      active: locations.active,
      preorder: stockLevels.preorder,
      onHand: stockLevels.onHand,
      incoming: stockLevels.incoming,
      // Lapsed holds count as free already.
      reserved: reservedUnits,
      allocated: stockLevels.allocated,
    })
    .from(stockLevels)
    .innerJoin(locations, eq(locations.id, stockLevels.locationId))
    .where(inArray(stockLevels.variantId, [...variantIds]))
    .orderBy(asc(stockLevels.variantId), asc(locations.priority), asc(locations.id));

/** The open deliveries of a product's variants, each with the pre-orders waiting for it (the admin's view). */
export async function listDeliveries(productId: string, executor: Db | Tx = db): Promise<DeliveryView[]> {
  const variants = await executor.select({ id: productVariants.id }).from(productVariants).where(eq(productVariants.productId, productId));
  const ids = variants.map((v) => v.id);
  if (ids.length === 0) return [];
  const [rows, open] = await Promise.all([rowLevels(executor, ids), openDeliveries(executor, ids)]);
  return rows.flatMap((row) =>
    waitingFor(
      open.filter((d) => d.variantId === row.variantId && d.locationId === row.locationId),
      promisedBeyondShelf(row),
    ),
  );
}

/**
 * When a new pre-order of each of these variants would ship: for a variant taking pre-orders whose shelves are
 * empty, the day of the delivery its next unit would come from (active locations in the rule's order); absent
 * for a variant still on the shelf, not taking pre-orders, or with nothing free on its way.
 */
export async function nextPreorderDates(variantIds: readonly string[], executor: Db | Tx = db): Promise<Map<string, string>> {
  const dates = new Map<string, string>();
  if (variantIds.length === 0) return dates;
  const rows = (await rowLevels(executor, variantIds)).filter((r) => r.active && r.preorder);
  if (rows.length === 0) return dates;
  const open = await openDeliveries(
    executor,
    [...new Set(rows.map((r) => r.variantId))],
  );
  for (const variantId of new Set(rows.map((r) => r.variantId))) {
    const own = rows.filter((r) => r.variantId === variantId);
    if (own.some((r) => r.onHand - r.reserved - r.allocated > 0)) continue;
    for (const row of own) {
      // The next unit is the one past everything this row has promised beyond its shelf.
      const covering = coveringDelivery(
        open.filter((d) => d.variantId === variantId && d.locationId === row.locationId),
        promisedBeyondShelf(row) + 1,
      );
      if (covering) {
        dates.set(variantId, covering.expectedAt);
        break;
      }
    }
  }
  return dates;
}

/** The delivery that brings the `position`-th unit on its way (1-based), oldest expected first. */
function coveringDelivery<D extends { quantity: number }>(deliveries: readonly D[], position: number): D | undefined {
  let covered = 0;
  for (const d of deliveries) {
    covered += d.quantity;
    if (covered >= position) return d;
  }
  return undefined;
}

/**
 * When these orders' pre-ordered lines ship: per order, per order line (its variant, or its kit), the day of the
 * delivery that brings its last unit still to come. Orders at a stock row ship in the order they were paid: the
 * first units promised there go on the shelf, the rest wait for the deliveries in expected order. Lines wholly on
 * the shelf are absent. Two reads when nothing of these orders is on its way.
 */
export async function orderShipDates(orderIds: readonly string[], executor: Db | Tx = db): Promise<Map<string, Map<string, string>>> {
  const dates = new Map<string, Map<string, string>>();
  if (orderIds.length === 0) return dates;
  const own = await executor
    .select({
      orderId: orderAllocations.orderId,
      variantId: orderAllocations.variantId,
      locationId: orderAllocations.locationId,
      lineVariantId: orderAllocations.lineVariantId,
    })
    .from(orderAllocations)
    .where(and(inArray(orderAllocations.orderId, [...orderIds]), sql`${orderAllocations.fulfilled} + ${orderAllocations.released} < ${orderAllocations.quantity}`));
  if (own.length === 0) return dates;
  const variantIds = [...new Set(own.map((a) => a.variantId))];
  const rows = await rowLevels(executor, variantIds);
  if (!rows.some((r) => r.incoming > 0)) return dates;
  const [upTo, open] = await Promise.all([
    // Raw SQL: a running sum (a window), which the query builder has no words for: the units promised at each
    // stock row by the orders paid up to and including each one.
    executor
      .select({
        variantId: orderAllocations.variantId,
        locationId: orderAllocations.locationId,
        orderId: orderAllocations.orderId,
        units: sql<number>`sum(${orderAllocations.quantity} - ${orderAllocations.fulfilled} - ${orderAllocations.released}) over (
          partition by ${orderAllocations.variantId}, ${orderAllocations.locationId}
          order by ${orders.createdAt}, ${orders.id} rows between unbounded preceding and current row)::int`,
      })
      .from(orderAllocations)
      .innerJoin(orders, eq(orders.id, orderAllocations.orderId))
      .where(and(inArray(orderAllocations.variantId, variantIds), sql`${orderAllocations.fulfilled} + ${orderAllocations.released} < ${orderAllocations.quantity}`)),
    openDeliveries(executor, variantIds),
  ]);
  for (const a of own) {
    const row = rows.find((r) => r.variantId === a.variantId && r.locationId === a.locationId);
    const end = Math.max(0, ...upTo.filter((u) => u.orderId === a.orderId && u.variantId === a.variantId && u.locationId === a.locationId).map((u) => u.units));
    if (!row || end <= row.onHand) continue;
    const delivery = coveringDelivery(
      open.filter((d) => d.variantId === a.variantId && d.locationId === a.locationId),
      end - row.onHand,
    );
    if (!delivery) continue;
    const lines = dates.get(a.orderId) ?? new Map<string, string>();
    const known = lines.get(a.lineVariantId);
    if (!known || delivery.expectedAt > known) lines.set(a.lineVariantId, delivery.expectedAt);
    dates.set(a.orderId, lines);
  }
  return dates;
}

/**
 * Keeps a variant's stock rows in step with its `preorder` flag (the catalogue sets the flag in the same
 * transaction): the holding rule reads it on the rows it locks. Turning it off leaves the pre-orders already
 * taken as they are (they wait for their deliveries); no new ones are taken.
 */
export async function setPreorder(tx: Tx, variantId: string, preorder: boolean): Promise<void> {
  await tx.update(stockLevels).set({ preorder }).where(eq(stockLevels.variantId, variantId));
}
