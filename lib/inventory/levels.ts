/**
 * Stock levels as the admin sees and changes them, the expiry sweep, and reconciliation against the ledger.
 */
import "server-only";
import { and, asc, eq, inArray, lte, notExists, sql } from "drizzle-orm";
import { db, type Db, type Tx } from "@/db/client";
import { checkouts, incomingDeliveries, locations, orderAllocations, orders, products, productVariants, reservations, stockLevels, stockMovements } from "@/db/schema";
import { isActiveHold, lapsedHold, MAX_ON_HAND, reservedUnits, saleableUnits } from "./availability";
import { inactiveLocation, resolveLocation, stockRowsForNewVariant } from "./locations";
import { moveTo } from "../checkout/states";
import { DomainError, notFound } from "../platform/errors";
import { recordExpired } from "../platform/metrics";
import { expireStaleHoldsOn, expireStaleHoldsOnRows, expiredLedger, lockStockRows } from "./stock";
import { applyLedger } from "./apply";
import { resolveVariant, type VariantChoice } from "../catalog/variants";

type Executor = Db | Tx;

/**
 * A new variant's stock rows, one per location, with what it starts with on hand at the first location by
 * priority (and its ledger row, if any).
 */
export async function receiveOpeningStock(
  tx: Tx,
  variant: { productId: string; variantId: string },
  onHand: number,
  actorId: string | null,
): Promise<void> {
  await stockRowsForNewVariant(tx, variant);
  if (onHand > 0) {
    const location = await resolveLocation(tx, undefined);
    await applyLedger(tx, [{ ...variant, locationId: location.id, kind: "receive", onHandDelta: onHand, actorId, reason: "opening stock" }]);
  }
}

export { MAX_ON_HAND };

export type StockLevelView = {
  id: string;
  slug: string;
  name: string;
  priceCents: number;
  onHand: number;
  reserved: number;
  allocated: number;
  available: number;
};

/**
 * Products with their levels as shoppers see them, summed over their variants and locations: holds whose time is
 * up count as released already, and only active locations' free units are available.
 */
const levelsOf = (executor: Executor) =>
  executor
    .select({
      id: products.id,
      slug: products.slug,
      name: products.name,
      priceCents: products.priceCents,
      onHand: sql<number>`sum(${stockLevels.onHand})::int`,
      reserved: sql<number>`sum(${reservedUnits})::int`,
      allocated: sql<number>`sum(${stockLevels.allocated})::int`,
      available: sql<number>`sum(${saleableUnits})::int`,
    })
    .from(products)
    .innerJoin(stockLevels, eq(stockLevels.productId, products.id))
    .groupBy(products.id);

/** Every product's levels as shoppers see them, by name. */
export function listStockLevels(): Promise<StockLevelView[]> {
  return levelsOf(db).orderBy(products.name, products.id);
}

export async function getStockLevel(executor: Executor, productId: string): Promise<StockLevelView | undefined> {
  const [level] = await levelsOf(executor).where(eq(products.id, productId));
  return level;
}

/** One variant's levels at one location. */
export type LocationLevelView = {
  locationId: string;
  name: string;
  active: boolean;
  onHand: number;
  reserved: number;
  allocated: number;
  available: number;
};

export type VariantLevelView = {
  id: string;
  productId: string;
  sku: string;
  options: Record<string, string>;
  priceCents: number;
  retired: boolean;
  onHand: number;
  reserved: number;
  allocated: number;
  available: number;
  /** Its levels at each location, in the order holds draw on them. */
  locations: LocationLevelView[];
};

/**
 * Each variant's levels as shoppers see them (of one product, or of every product), in the shop's order, with its
 * levels per location: its figures are the sums over locations (available: over active ones).
 */
export async function listVariantLevels(executor: Executor = db, productId?: string): Promise<VariantLevelView[]> {
  const rows = await executor
    .select({
      id: productVariants.id,
      productId: productVariants.productId,
      sku: productVariants.sku,
      options: productVariants.options,
      priceCents: productVariants.priceCents,
      // Raw SQL: a boolean of the timestamp, read in the same select.
      retired: sql<boolean>`${productVariants.retiredAt} is not null`,
      locationId: locations.id,
      name: locations.name,
      active: locations.active,
      onHand: stockLevels.onHand,
      reserved: reservedUnits,
      allocated: stockLevels.allocated,
      available: saleableUnits,
    })
    .from(productVariants)
    .innerJoin(stockLevels, eq(stockLevels.variantId, productVariants.id))
    .innerJoin(locations, eq(locations.id, stockLevels.locationId))
    .where(productId === undefined ? undefined : eq(productVariants.productId, productId))
    .orderBy(asc(productVariants.productId), asc(productVariants.position), asc(productVariants.id), asc(locations.priority), asc(locations.id));
  const variants = new Map<string, VariantLevelView>();
  for (const r of rows) {
    const v =
      variants.get(r.id) ??
      ({ id: r.id, productId: r.productId, sku: r.sku, options: r.options, priceCents: r.priceCents, retired: r.retired, onHand: 0, reserved: 0, allocated: 0, available: 0, locations: [] } satisfies VariantLevelView);
    v.onHand += r.onHand;
    v.reserved += r.reserved;
    v.allocated += r.allocated;
    v.available += r.available;
    v.locations.push({ locationId: r.locationId, name: r.name, active: r.active, onHand: r.onHand, reserved: r.reserved, allocated: r.allocated, available: r.available });
    variants.set(r.id, v);
  }
  return [...variants.values()];
}

/**
 * Restock (delta > 0) or write off (delta < 0) with a reason. A write-off may not take away units that are
 * held or sold: that would break reserved + allocated ≤ on hand, so it is refused with 409; nor may a restock
 * pass the largest level a stock row can hold.
 */
export async function adjustStock(
  input: VariantChoice & {
    productId: string;
    delta: number;
    reason: string;
    actorId: string | null;
    /** Where: the first location by priority unless named. */
    locationId?: string | undefined;
  },
): Promise<StockLevelView & { variant: VariantLevelView; location: { id: string; name: string } }> {
  return db.transaction(async (tx) => {
    const [{ variantId }, location] = await Promise.all([
      resolveVariant(tx, input, { forSale: false }),
      resolveLocation(tx, input.locationId),
    ]);
    if (input.delta > 0 && !location.active) throw inactiveLocation(location);
    const [rows, expired] = await Promise.all([lockStockRows(tx, [variantId]), expireStaleHoldsOn(tx, [variantId])]);
    const row = rows.find((r) => r.locationId === location.id);
    if (!row) throw notFound("product");
    const reserved = row.reserved - expired.filter((h) => h.locationId === location.id).reduce((n, h) => n + h.quantity, 0);
    const newOnHand = row.onHand + input.delta;
    // Only free shelf units may be written off (a pre-order variant's shelf may be promised in full already).
    if (input.delta < 0 && -input.delta > Math.max(0, row.onHand - reserved - row.allocated)) {
      throw new DomainError(
        "invariant_violation",
        `Cannot write off ${-input.delta}: only ${Math.max(0, row.onHand - reserved - row.allocated)} ` +
          `of ${row.onHand} on hand at ${location.name} are neither held nor sold.`,
        { onHand: row.onHand, reserved, allocated: row.allocated },
      );
    }
    if (newOnHand > MAX_ON_HAND) {
      throw new DomainError(
        "invariant_violation",
        `Cannot restock ${input.delta}: ${row.onHand} are on hand at ${location.name} and one variant can have at most ${MAX_ON_HAND} there.`,
        { onHand: row.onHand, maxOnHand: MAX_ON_HAND },
      );
    }
    await applyLedger(tx, [
      ...expiredLedger(expired),
      {
        productId: row.productId,
        variantId,
        locationId: location.id,
        kind: input.delta >= 0 ? "receive" : "write_off",
        onHandDelta: input.delta,
        actorId: input.actorId,
        reason: input.reason,
      },
    ]);
    const [level, variants] = await Promise.all([getStockLevel(tx, row.productId), listVariantLevels(tx, row.productId)]);
    return { ...level!, variant: variants.find((v) => v.id === variantId)!, location: { id: location.id, name: location.name } };
  });
}

/**
 * The cron's sweep: releases holds whose time is up, in batches of variants. Safe to run concurrently with
 * itself and with checkouts: it skips stock rows another transaction has locked (that transaction expires
 * their stale holds itself) and never waits while holding a lock. Returns how many holds it expired.
 */
export async function expireStaleHolds(options: { batchSize?: number; maxBatches?: number } = {}): Promise<number> {
  const batchSize = options.batchSize ?? 200;
  const maxBatches = options.maxBatches ?? 50;
  let expired = 0;
  for (let batch = 0; batch < maxBatches; batch += 1) {
    const pass = await db.transaction(async (tx) => {
      const candidates = await tx
        .selectDistinct({ variantId: reservations.variantId })
        .from(reservations)
        .where(lapsedHold)
        .limit(batchSize);
      if (candidates.length === 0) return { expired: 0, variants: 0 };
      const locked = await tx
        .select({ variantId: stockLevels.variantId, locationId: stockLevels.locationId })
        .from(stockLevels)
        .where(inArray(stockLevels.variantId, candidates.map((c) => c.variantId)))
        .orderBy(asc(stockLevels.variantId), asc(stockLevels.locationId))
        .for("update", { skipLocked: true });
      const holds = await expireStaleHoldsOnRows(tx, locked);
      await applyLedger(tx, expiredLedger(holds));
      return { expired: holds.length, variants: candidates.length };
    });
    expired += pass.expired;
    // Done when fewer than a full batch were stale, or when every candidate was locked by someone else (who
    // expires those holds itself): another pass would only read the same rows again.
    if (pass.variants < batchSize || pass.expired === 0) break;
  }
  recordExpired(expired);
  // Checkouts whose time is up read as "expired" already; this records it (no stock involved). A checkout
  // being paid is the payment sweep's to settle, never the clock's.
  const due = db
    .select({ id: checkouts.id })
    .from(checkouts)
    .where(and(eq(checkouts.status, "active"), lte(checkouts.expiresAt, sql`now()`)))
    .limit(1000)
    .for("update", { skipLocked: true });
  await moveTo(
    db,
    and(
      inArray(checkouts.id, due),
      notExists(
        db
          .select({ one: sql`1` })
          .from(reservations)
          .where(and(eq(reservations.checkoutId, checkouts.id), eq(reservations.status, "active"))),
      ),
    )!,
    "expired",
    { endedBy: "timeout", endedAt: sql`now()` },
  );
  return expired;
}

// ---------------------------------------------------------------------------------------------------------
// Reconciliation: the levels must equal the ledger, and every invariant must hold.
// ---------------------------------------------------------------------------------------------------------

export interface ReconcileProblem {
  productId: string;
  variantId: string;
  locationId: string;
  problem: string;
}

/**
 * Every stock row (variant at a location) against its ledger, holds and unshipped allocations (`products` counts
 * the rows checked).
 */
export async function reconcileStock(executor: Executor = db): Promise<{ ok: boolean; products: number; problems: ReconcileProblem[] }> {
  const m = stockMovements;
  const ledger = executor
    .select({
      variantId: m.variantId,
      locationId: m.locationId,
      onHand: sql`sum(${m.onHandDelta})`.as("ledger_on_hand"),
      reserved: sql`sum(${m.reservedDelta})`.as("ledger_reserved"),
      allocated: sql`sum(${m.allocatedDelta})`.as("ledger_allocated"),
      incoming: sql`sum(${m.incomingDelta})`.as("ledger_incoming"),
    })
    .from(m)
    .groupBy(m.variantId, m.locationId)
    .as("m");
  // Each stock row's active holds and unshipped allocations, summed once over their tables and joined by stock row:
  // one pass each, not a look-up per stock row (order_allocations has no index by variant, and needs none).
  const activeHolds = executor
    .select({
      variantId: reservations.variantId,
      locationId: reservations.locationId,
      units: sql`sum(${reservations.quantity})`.as("hold_units"),
    })
    .from(reservations)
    .where(isActiveHold)
    .groupBy(reservations.variantId, reservations.locationId)
    .as("h");
  const openAllocations = executor
    .select({
      variantId: orderAllocations.variantId,
      locationId: orderAllocations.locationId,
      units: sql`sum(${orderAllocations.quantity} - ${orderAllocations.fulfilled} - ${orderAllocations.released})`.as("open_units"),
    })
    .from(orderAllocations)
    .innerJoin(orders, eq(orders.id, orderAllocations.orderId))
    // A cancelled order's units were all released (or shipped).
    .where(sql`${orders.status} <> 'cancelled'`)
    .groupBy(orderAllocations.variantId, orderAllocations.locationId)
    .as("a");
  const openDeliveries = executor
    .select({
      variantId: incomingDeliveries.variantId,
      locationId: incomingDeliveries.locationId,
      units: sql`sum(${incomingDeliveries.quantity})`.as("expected_units"),
    })
    .from(incomingDeliveries)
    .where(eq(incomingDeliveries.status, "expected"))
    .groupBy(incomingDeliveries.variantId, incomingDeliveries.locationId)
    .as("d");
  const rows = await executor
    .select({
      productId: stockLevels.productId,
      variantId: stockLevels.variantId,
      locationId: stockLevels.locationId,
      onHand: stockLevels.onHand,
      reserved: stockLevels.reserved,
      allocated: stockLevels.allocated,
      incoming: stockLevels.incoming,
      ledgerOnHand: sql<number>`coalesce(${ledger.onHand}, 0)::int`,
      ledgerReserved: sql<number>`coalesce(${ledger.reserved}, 0)::int`,
      ledgerAllocated: sql<number>`coalesce(${ledger.allocated}, 0)::int`,
      ledgerIncoming: sql<number>`coalesce(${ledger.incoming}, 0)::int`,
      expected: sql<number>`coalesce(${openDeliveries.units}, 0)::int`,
      activeHolds: sql<number>`coalesce(${activeHolds.units}, 0)::int`,
      openAllocations: sql<number>`coalesce(${openAllocations.units}, 0)::int`,
    })
    .from(stockLevels)
    .leftJoin(ledger, and(eq(ledger.variantId, stockLevels.variantId), eq(ledger.locationId, stockLevels.locationId)))
    .leftJoin(activeHolds, and(eq(activeHolds.variantId, stockLevels.variantId), eq(activeHolds.locationId, stockLevels.locationId)))
    .leftJoin(openAllocations, and(eq(openAllocations.variantId, stockLevels.variantId), eq(openAllocations.locationId, stockLevels.locationId)))
    .leftJoin(openDeliveries, and(eq(openDeliveries.variantId, stockLevels.variantId), eq(openDeliveries.locationId, stockLevels.locationId)))
    .orderBy(stockLevels.productId, stockLevels.variantId, stockLevels.locationId);

  const problems: ReconcileProblem[] = [];
  for (const r of rows) {
    const report = (problem: string) => problems.push({ productId: r.productId, variantId: r.variantId, locationId: r.locationId, problem });
    if (r.onHand !== r.ledgerOnHand) report(`on hand ${r.onHand} but ledger says ${r.ledgerOnHand}`);
    if (r.reserved !== r.ledgerReserved) report(`reserved ${r.reserved} but ledger says ${r.ledgerReserved}`);
    if (r.allocated !== r.ledgerAllocated) report(`allocated ${r.allocated} but ledger says ${r.ledgerAllocated}`);
    if (r.reserved !== r.activeHolds) report(`reserved ${r.reserved} but active holds total ${r.activeHolds}`);
    if (r.allocated !== r.openAllocations)
      report(`allocated ${r.allocated} but unfulfilled orders total ${r.openAllocations}`);
    if (r.incoming !== r.ledgerIncoming) report(`incoming ${r.incoming} but ledger says ${r.ledgerIncoming}`);
    if (r.incoming !== r.expected) report(`incoming ${r.incoming} but open deliveries expect ${r.expected}`);
    if (r.onHand < 0 || r.reserved < 0 || r.allocated < 0 || r.incoming < 0) report("negative level");
    if (r.reserved + r.allocated > r.onHand + r.incoming) report("reserved + allocated exceeds on hand + incoming");
  }
  return { ok: problems.length === 0, products: rows.length, problems };
}
