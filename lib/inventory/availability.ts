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
import { and, eq, lte, sql, type SQL } from "drizzle-orm";
import { db } from "@/db/client";
import { checkouts, products, reservations, stockLevels } from "@/db/schema";
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

/** Units in active holds on the stock row in scope whose time is up. */
const lapsedHolds = db
  .select({ units: sql<number>`sum(${reservations.quantity})::int` })
  .from(reservations)
  .where(and(eq(reservations.productId, stockLevels.productId), lapsedHold));
const lapsedUnits = sql<number>`coalesce(${lapsedHolds}, 0)`;

/** Units reserved on the stock row in scope, holds whose time is up left out. */
export const reservedUnits = sql<number>`${stockLevels.reserved} - ${lapsedUnits}`;

/** Units of the stock row in scope free for a new hold (holds whose time is up count as free), at least 0. */
export const freeUnits = sql<number>`greatest(0, ${stockLevels.onHand} - ${stockLevels.allocated} - ${stockLevels.reserved} + ${lapsedUnits})`;

/**
 * Availability of each product in scope (`products` and its `stock_levels`) for one viewer (null: a visitor
 * without a cart): `holds`, their live-hold figures, to join with `innerJoinLateral(holds, sql\`true\`)` (an
 * aggregate without GROUP BY: exactly one row per product), and the fields that read them.
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
    .where(and(eq(reservations.productId, products.id), isActiveHold))
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
 * Whether this viewer could have any of the product in scope now, without the lateral join: most products have no
 * holds at all (`reserved = 0`), and only the others need a look at their holds. For filtering many rows cheaply.
 */
export function inStockForViewer(viewerId: string | null): SQL {
  const lapsedOrOwn = db
    .select({ units: sql<number>`sum(${reservations.quantity})::int` })
    .from(reservations)
    .where(
      and(
        eq(reservations.productId, products.id),
        isActiveHold,
        sql`(${reservations.expiresAt} <= now() or ${reservations.shopperId} = ${viewerId}::uuid)`,
      ),
    );
  return sql`(case
    when ${stockLevels.reserved} = 0 then ${stockLevels.onHand} - ${stockLevels.allocated} > 0
    else ${stockLevels.onHand} - ${stockLevels.allocated} - ${stockLevels.reserved} + coalesce(${lapsedOrOwn}, 0) > 0
  end)`;
}
