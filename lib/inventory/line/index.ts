/**
 * The line for contended stock (lib/inventory owns it: handing on writes holds). Read in this order:
 * - tickets.ts: joining with a cart, the ticket as the shopper sees it (place, estimate, offer), leaving; demand;
 * - hand-on.ts: freed units of a variant with waiting tickets go to the oldest tickets they complete, in the
 *   transaction that frees them (every freeing verb writes through ../apply.ts `applyLedger`, which calls it);
 * - sweep.ts: lapses noticed within seconds with no other traffic;
 * - limits.ts: a product's limit per customer;
 * - hold time: while shoppers wait for a variant, idle holds on it last RESERVATION_TTL_CONTENDED_SECONDS.
 */
import { and, eq, exists, sql, type SQL } from "drizzle-orm";
import { db } from "@/db/client";
import { queueTicketLines, reservations } from "@/db/schema";
import { env } from "../../platform/env";
import { isActiveHold } from "../availability";
import { isWaitingLine } from "./waiting";

export { currentTicket, demandFor, getTicket, joinLine, leaveLine, lineFacts, type TicketStatus, type TicketView } from "./tickets";
export { sweepLine } from "./sweep";
export { limitError, overLimit, type LimitRefusal } from "./limits";

/** This checkout's live holds on variants that shoppers wait for in the line. */
const contendedHolds = (checkoutId: string) =>
  db
    .select({ one: sql`1` })
    .from(reservations)
    .innerJoin(queueTicketLines, and(eq(queueTicketLines.variantId, reservations.variantId), isWaitingLine))
    .where(and(eq(reservations.checkoutId, checkoutId), isActiveHold));

/** Whether shoppers wait in the line for anything this checkout holds (its holds then last the contended time). */
export async function isContendedCheckout(checkoutId: string): Promise<boolean> {
  return (await contendedHolds(checkoutId).limit(1)).length > 0;
}

/**
 * How long an idle hold of this checkout lasts from now (seconds, as SQL): RESERVATION_TTL_CONTENDED_SECONDS when
 * shoppers wait for any variant it holds, else RESERVATION_TTL_SECONDS.
 */
export function holdSecondsFor(checkoutId: string): SQL<number> {
  const contended = exists(contendedHolds(checkoutId));
  const shorter = Math.min(env.RESERVATION_TTL_CONTENDED_SECONDS, env.RESERVATION_TTL_SECONDS);
  // Typed: a bare parameter in a CASE is text to PostgreSQL, and make_interval wants a number.
  return sql<number>`(case when ${contended} then ${shorter}::int else ${env.RESERVATION_TTL_SECONDS}::int end)`;
}
