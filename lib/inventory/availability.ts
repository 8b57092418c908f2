/**
 * Availability as shoppers see it, as typed pieces of the catalogue, cart, admin and back-in-stock reads: the hold
 * engine (lib/inventory) decides what may be held; these only say it.
 *
 * - Holds whose time is up count as free already, before anyone releases them (as lib/inventory counts them).
 * - A shopper's own live hold is theirs: it is not counted against them (their cart still shows it in stock).
 * - Other shoppers' live holds are `held`, and may come back: `nextReleaseAt` is when the soonest of them lapses
 *   if its checkout stays untouched.
 */
import "server-only";
import { and, eq, isNull, lte, sql, type SQL } from "drizzle-orm";
import { db } from "@/db/client";
import { checkouts, products, productVariants, reservations, stockLevels } from "@/db/schema";
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

/** The one free-units rule: what a stock row can still give to a new hold or order (before lapsed holds come back). */
export const freeUnitsOf = (row: { onHand: number; reserved: number; allocated: number }) => row.onHand - row.reserved - row.allocated;

/** Units in active holds on the stock row in scope (one variant's) whose time is up. */
const lapsedHolds = db
  .select({ units: sql<number>`sum(${reservations.quantity})::int` })
  .from(reservations)
  .where(and(eq(reservations.variantId, stockLevels.variantId), lapsedHold));
const lapsedUnits = sql<number>`coalesce(${lapsedHolds}, 0)`;

/** Units reserved on the stock row in scope, holds whose time is up left out. */
export const reservedUnits = sql<number>`${stockLevels.reserved} - ${lapsedUnits}`;

/** Units of the stock row in scope free for a new hold (holds whose time is up count as free), at least 0. */
export const freeUnits = sql<number>`greatest(0, ${stockLevels.onHand} - ${stockLevels.allocated} - ${stockLevels.reserved} + ${lapsedUnits})`;

/** Units of the product in scope free for a new hold: the sum of its variants' `freeUnits`. */
export const productFreeUnits = sql<number>`(${db
  .select({ units: sql<number>`coalesce(sum(${freeUnits}), 0)::int` })
  .from(stockLevels)
  .where(eq(stockLevels.productId, products.id))})`;

/**
 * Availability of each variant in scope (its `stock_levels` row, joined by the caller) for one viewer (null: a
 * visitor without a cart): `holds`, its live-hold figures, to join with `innerJoinLateral(holds, sql\`true\`)` (an
 * aggregate without GROUP BY: exactly one row per variant), and the fields that read them. A product's figures are
 * the sums over its variants.
 */
export function viewerAvailability(viewerId: string | null) {
  const viewer = sql`${viewerId}::uuid`;
  const othersLive = sql`${isLive} and ${reservations.shopperId} is distinct from ${viewer}`;
  const holds = db
    .select({
      others: sql<number>`coalesce(sum(${reservations.quantity}) filter (where ${othersLive}), 0)::int`.as("others"),
      nextReleaseAt: sql<string | null>`min(${reservations.expiresAt}) filter (where ${othersLive})`
        .mapWith(isoTime)
        .as("next_release_at"),
      own: sql<number>`coalesce(sum(${reservations.quantity}) filter (where ${isLive} and ${reservations.shopperId} = ${viewer}), 0)::int`.as(
        "own",
      ),
      lapsed: sql<number>`coalesce(sum(${reservations.quantity}) filter (where ${lapsedHold}), 0)::int`.as("lapsed"),
    })
    .from(reservations)
    .where(and(eq(reservations.variantId, stockLevels.variantId), isActiveHold))
    .as("h");
  return {
    holds,
    fields: {
      /** Units this viewer could have now: free for a new hold, plus what their own live hold already holds. */
      available: sql<number>`greatest(0, ${stockLevels.onHand} - ${stockLevels.allocated} - ${stockLevels.reserved} + ${holds.lapsed} + ${holds.own})::int`,
      held: holds.others,
      nextReleaseAt: holds.nextReleaseAt,
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
        sql`${stockLevels.onHand} - ${stockLevels.allocated} - ${stockLevels.reserved} > 0`,
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
        sql`(${reservations.expiresAt} <= now() or ${reservations.shopperId} = ${viewerId}::uuid)`,
      ),
    );
  return sql`(exists ${freeVariant} or exists ${lapsedOrOwn})`;
}
