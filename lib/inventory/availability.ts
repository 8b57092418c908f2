/**
 * Availability as shoppers see it, as typed pieces of the catalogue, cart, admin and back-in-stock reads: the hold
 * engine (lib/inventory) decides what may be held; these only say it.
 *
 * - Holds whose time is up count as free already, before anyone releases them (as lib/inventory counts them).
 * - A shopper's own live hold is theirs: it is not counted against them (their cart still shows it in stock).
 * - Other shoppers' live holds are `held`, and may come back: `nextReleaseAt` is when the soonest of them lapses
 *   if its checkout stays untouched.
 * - Stock is kept per (variant, location): what a shopper may buy is the sum over active locations. A live hold
 *   at a location since deactivated stays its holder's, but its units will not come back on sale.
 */
import "server-only";
import { and, eq, isNull, lte, sql, type AnyColumn, type SQL } from "drizzle-orm";
import { db } from "@/db/client";
import { checkouts, kitComponents, locations, products, productVariants, reservations, stockLevels } from "@/db/schema";
import { isoTime } from "../../db/sql-parts";

/**
 * A hold not yet ended. The status is a literal, not a parameter, so that the generic plan of a prepared
 * statement can still use the partial indexes on active holds.
 */
export const isActiveHold = sql`${reservations.status} = 'active'`;

/**
 * A checkout not yet ended: active, or being paid. Literals for the same reason: with the statuses as parameters,
 * the generic plan of the hold batch's checkout reads gave up the index on live checkouts of a cart and read
 * every checkout (10 ms a batch once a hot product had taken some thousands).
 */
export const isLiveCheckout = sql`${checkouts.status} in ('active', 'paying')`;

const isLive = sql`${reservations.expiresAt} > now()`;

/**
 * The one test of "has this hold lapsed": still active, but its time is up (whether or not anything has
 * expired it yet). Every read and write that asks it uses this, in SQL or (`holdHasLapsed`) on a row read.
 */
export const lapsedHold = and(isActiveHold, lte(reservations.expiresAt, sql`now()`))!;

/** `lapsedHold` on a hold already read, at the database time `now` read with it. */
export const holdHasLapsed = (hold: { status: string; expiresAt: Date }, now: Date) => hold.status === "active" && hold.expiresAt <= now;

/** The most units one stock row may have on hand (a 32-bit integer column); a restock past it is a 409. */
export const MAX_ON_HAND = 2_147_483_647;

/**
 * The one free-units rule: what a stock row can still give to a new hold or order (before lapsed holds come back).
 * `sellable` is on hand, plus the units on their way for a variant taking pre-orders.
 */
export const freeUnitsOf = (row: { sellable: number; reserved: number; allocated: number }) => row.sellable - row.reserved - row.allocated;

/**
 * Of a row's free units, those on the shelf now (the rest, for a pre-order variant, are on their way): the
 * pre-orders already sold wait for the first units on their way, so the shelf is free only past them.
 */
export const shelfUnitsOf = (row: { onHand: number; reserved: number; allocated: number }) => Math.max(0, row.onHand - row.reserved - row.allocated);

/**
 * What the stock row in scope may promise: its shelf, plus (for a variant taking pre-orders) the units on their
 * way. `freeUnitsOf` in TypeScript, this in SQL.
 */
export const sellableUnits = sql<number>`(${stockLevels.onHand} + case when ${stockLevels.preorder} then ${stockLevels.incoming} else 0 end)`;

/** Units in active holds on the stock row in scope (one variant at one location) whose time is up. */
const lapsedHolds = db
  .select({ units: sql<number>`sum(${reservations.quantity})::int` })
  .from(reservations)
  .where(and(eq(reservations.variantId, stockLevels.variantId), eq(reservations.locationId, stockLevels.locationId), lapsedHold));
const lapsedUnits = sql<number>`coalesce(${lapsedHolds}, 0)`;

/** Whether the stock row in scope is at an active location (new holds may draw on it). */
export const atActiveLocation = sql<boolean>`(${db.select({ active: locations.active }).from(locations).where(eq(locations.id, stockLevels.locationId))})`;

/** Whether the hold in scope draws on an active location. */
const holdAtActiveLocation = sql<boolean>`(${db.select({ active: locations.active }).from(locations).where(eq(locations.id, reservations.locationId))})`;

/** Units reserved on the stock row in scope, holds whose time is up left out. */
export const reservedUnits = sql<number>`${stockLevels.reserved} - ${lapsedUnits}`;

/** Units of the stock row in scope free for a new hold (holds whose time is up count as free), at least 0. */
export const freeUnits = sql<number>`greatest(0, ${sellableUnits} - ${stockLevels.allocated} - ${stockLevels.reserved} + ${lapsedUnits})`;

/** Units of the stock row in scope that shoppers may buy: its free units at an active location, else none. */
export const saleableUnits = sql<number>`(case when ${atActiveLocation} then ${freeUnits} else 0 end)`;

/** Units of the component in scope (a kit_components row) that shoppers may buy: its stock rows' `saleableUnits`. */
const componentSaleableUnits = db
  .select({ units: sql<number>`coalesce(sum(${saleableUnits}), 0)` })
  .from(stockLevels)
  .where(eq(stockLevels.variantId, kitComponents.componentVariantId));

/** Kits of the kit variant in scope (`product_variants`) that shoppers may buy: the fewest its components allow. */
const kitSaleableUnits = db
  .select({ kits: sql<number>`coalesce(min((${componentSaleableUnits}) / ${kitComponents.quantity}), 0)` })
  .from(kitComponents)
  .where(eq(kitComponents.kitVariantId, productVariants.id));

/**
 * Units of the product in scope free for a new hold: the sum of its stock rows' `saleableUnits`, or for a kit the
 * kits its components allow.
 */
export const productFreeUnits = sql<number>`(${db
  .select({ units: sql<number>`coalesce(sum(${saleableUnits}), 0)::int` })
  .from(stockLevels)
  .where(eq(stockLevels.productId, products.id))} + ${db
  .select({ units: sql<number>`coalesce(sum((${kitSaleableUnits})), 0)::int` })
  .from(productVariants)
  .where(and(eq(productVariants.productId, products.id), eq(productVariants.kind, "kit"), isNull(productVariants.retiredAt)))})`;

/**
 * One stock variant's availability for one viewer (null: a visitor without a cart), summed over its locations:
 * an aggregate without GROUP BY over the stock rows of `variantId` (a column of the caller's query), so exactly
 * one row, to join laterally.
 */
function stockVariantAvailability(viewerId: string | null, variantId: AnyColumn | SQL, alias: string) {
  const viewer = sql`${viewerId}::uuid`;
  const othersLive = sql`${isLive} and ${reservations.shopperId} is distinct from ${viewer}`;
  // Each stock row's live holds: other shoppers', the viewer's own, and those whose time is up.
  const holds = db
    .select({
      others: sql<number>`coalesce(sum(${reservations.quantity}) filter (where ${othersLive}), 0)::int`.as("others"),
      nextReleaseAt: sql<Date | null>`min(${reservations.expiresAt}) filter (where ${othersLive})`.as("next_release_at"),
      own: sql<number>`coalesce(sum(${reservations.quantity}) filter (where ${isLive} and ${reservations.shopperId} = ${viewer}), 0)::int`.as(
        "own",
      ),
      lapsed: sql<number>`coalesce(sum(${reservations.quantity}) filter (where ${lapsedHold}), 0)::int`.as("lapsed"),
    })
    .from(reservations)
    .where(and(eq(reservations.variantId, stockLevels.variantId), eq(reservations.locationId, stockLevels.locationId), isActiveHold))
    .as(`${alias}_holds`);
  // Summed over the variant's locations: an active one gives its free units and the viewer's own hold; an
  // inactive one only the viewer's own hold (no new hold draws on it, and what others hold there stays off sale).
  return db
    .select({
      available: sql<number>`coalesce(sum(case when ${locations.active}
        then greatest(0, ${sellableUnits} - ${stockLevels.allocated} - ${stockLevels.reserved} + ${holds.lapsed} + ${holds.own})
        else ${holds.own} end), 0)::int`.as("available"),
      held: sql<number>`coalesce(sum(${holds.others}) filter (where ${locations.active}), 0)::int`.as("held"),
      nextReleaseAt: sql<Date | null>`min(${holds.nextReleaseAt}) filter (where ${locations.active})`.as("next_release_at"),
    })
    .from(stockLevels)
    .innerJoin(locations, eq(locations.id, stockLevels.locationId))
    .innerJoinLateral(holds, sql`true`)
    .where(eq(stockLevels.variantId, variantId))
    .as(alias);
}

/**
 * Availability of the variant in scope (`variantId`, a column of the caller's query) for one viewer (null: a
 * visitor without a cart): `stock`, to join with `innerJoinLateral(stock, sql\`true\`)` (exactly one row per
 * variant), and the fields that read it. A product's figures are the sums over its variants.
 *
 * A kit has no stock rows: its figures are its components', in kits. `available`: the fewest kits any component
 * allows (its available units ÷ what one kit takes); `held`: the kits other shoppers' holds on its components
 * keep from sale; `nextReleaseAt`: when the soonest of those holds lapses. A stock variant has no components, so
 * its kit figures are null and its own stand.
 */
export function viewerAvailability(viewerId: string | null, variantId: AnyColumn) {
  const own = stockVariantAvailability(viewerId, variantId, "own_stock");
  const component = stockVariantAvailability(viewerId, kitComponents.componentVariantId, "component_stock");
  // Raw SQL: floor division and FILTER, which the query builder has no words for.
  const kit = db
    .select({
      available: sql<number | null>`min(${component.available} / ${kitComponents.quantity})::int`.as("kit_available"),
      // Kits there would be if every other shopper's hold came back, less those there are.
      held: sql<number | null>`(min((${component.available} + ${component.held}) / ${kitComponents.quantity})
        - min(${component.available} / ${kitComponents.quantity}))::int`.as("kit_held"),
      nextReleaseAt: sql<Date | null>`min(${component.nextReleaseAt})`.as("kit_next_release_at"),
    })
    .from(kitComponents)
    .innerJoinLateral(component, sql`true`)
    .where(eq(kitComponents.kitVariantId, variantId))
    .as("kit_stock");
  const stock = db
    .select({
      available: sql<number>`coalesce(${kit.available}, ${own.available})`.as("available"),
      held: sql<number>`coalesce(${kit.held}, ${own.held})`.as("held"),
      nextReleaseAt: sql<string | null>`case when ${kit.available} is null then ${own.nextReleaseAt} else ${kit.nextReleaseAt} end`
        .mapWith(isoTime)
        .as("next_release_at"),
    })
    .from(own)
    .crossJoinLateral(kit)
    .as("stock");
  return {
    stock,
    fields: {
      /** Units this viewer could have now: free for a new hold, plus what their own live hold already holds. */
      available: stock.available,
      held: stock.held,
      nextReleaseAt: stock.nextReleaseAt,
    },
  };
}

/**
 * Whether this viewer could have any of the product in scope now, without the lateral joins: a variant with free
 * units, or a hold on one that has lapsed or is the viewer's own. Most products have no holds at all, and
 * each test stops at its first row. For filtering many rows cheaply.
 */
export function inStockForViewer(viewerId: string | null): SQL {
  // Only variants on sale count: a retired size's units cannot be bought.
  const freeVariant = db
    .select({ one: sql`1` })
    .from(stockLevels)
    .innerJoin(productVariants, eq(productVariants.id, stockLevels.variantId))
    .where(
      and(
        eq(stockLevels.productId, products.id),
        isNull(productVariants.retiredAt),
        atActiveLocation,
        sql`${sellableUnits} - ${stockLevels.allocated} - ${stockLevels.reserved} > 0`,
      ),
    );
  const lapsedOrOwn = db
    .select({ one: sql`1` })
    .from(reservations)
    .innerJoin(productVariants, eq(productVariants.id, reservations.variantId))
    .where(
      and(
        eq(reservations.productId, products.id),
        isNull(productVariants.retiredAt),
        isActiveHold,
        // A lapsed hold frees units only at an active location; the viewer's own hold is theirs wherever it is.
        sql`((${reservations.expiresAt} <= now() and ${holdAtActiveLocation}) or ${reservations.shopperId} = ${viewerId}::uuid)`,
      ),
    );
  // A kit on sale whose every component has what one kit takes (its lapsed holds counted free).
  const kitOnSale = db
    .select({ one: sql`1` })
    .from(productVariants)
    .where(
      and(
        eq(productVariants.productId, products.id),
        eq(productVariants.kind, "kit"),
        isNull(productVariants.retiredAt),
        sql`(${kitSaleableUnits}) > 0`,
      ),
    );
  return sql`(exists ${freeVariant} or exists ${lapsedOrOwn} or exists ${kitOnSale})`;
}
