/**
 * The line for contended stock as admins read it: how many shoppers wait for each variant, and the recent hand-ons
 * (tickets offered in the last hour: when, what, to whom, and what became of the offer). Read-only; the line itself
 * is lib/inventory/line.
 */
import "server-only";
import { and, asc, count, desc, eq, gt, inArray, sql } from "drizzle-orm";
import { db } from "@/db/client";
import { checkouts, productVariants, products, queueTicketLines, queueTickets, users } from "@/db/schema";
import { isWaitingLine } from "../inventory/line/waiting";

/** How far back the dashboard's hand-ons go, and at most how many it lists. */
export const HAND_ON_WINDOW_SECONDS = 3600;
export const HAND_ON_LIMIT = 50;

/** What became of an offer: held for the shopper now, being paid, paid, lapsed (not taken in time), or given up. */
export type OfferOutcome = "held" | "paying" | "paid" | "lapsed" | "declined" | "given_up";

export type HandOnView = {
  ticketId: string;
  offeredAt: string;
  /** The shopper's email (a guest's as given when joining). */
  email: string | null;
  lines: { productId: string; productName: string; variantId: string; sku: string; options: Record<string, string>; quantity: number }[];
  outcome: OfferOutcome;
  checkoutId: string | null;
};

/** Per variant: how many tickets wait for it now (the line's length); variants with no one waiting are left out. */
export async function lineLengths(variantIds: readonly string[]): Promise<Map<string, number>> {
  if (variantIds.length === 0) return new Map();
  const rows = await db
    .select({ variantId: queueTicketLines.variantId, waiting: count() })
    .from(queueTicketLines)
    .where(and(inArray(queueTicketLines.variantId, [...variantIds]), isWaitingLine))
    .groupBy(queueTicketLines.variantId);
  return new Map(rows.map((r) => [r.variantId, r.waiting]));
}

/** The tickets offered in the last hour, newest first, each with what it was offered and what became of it. */
export async function recentHandOns(): Promise<HandOnView[]> {
  const tickets = await db
    .select({
      ticketId: queueTickets.id,
      offeredAt: queueTickets.offeredAt,
      email: sql<string | null>`coalesce(${queueTickets.email}, ${users.email})`,
      ticketStatus: queueTickets.status,
      checkoutId: queueTickets.checkoutId,
      checkoutStatus: checkouts.status,
      // As the shopper sees it: an active checkout whose time is up has lapsed before any sweep ends it.
      checkoutLapsed: sql<boolean>`coalesce(${checkouts.expiresAt} <= now(), false)`,
    })
    .from(queueTickets)
    .innerJoin(users, eq(users.id, queueTickets.shopperId))
    .leftJoin(checkouts, eq(checkouts.id, queueTickets.checkoutId))
    .where(gt(queueTickets.offeredAt, sql`now() - make_interval(secs => ${HAND_ON_WINDOW_SECONDS})`))
    .orderBy(desc(queueTickets.offeredAt), desc(queueTickets.seq))
    .limit(HAND_ON_LIMIT);
  if (tickets.length === 0) return [];
  const lines = await db
    .select({
      ticketId: queueTicketLines.ticketId,
      productId: queueTicketLines.productId,
      productName: products.name,
      variantId: queueTicketLines.variantId,
      sku: productVariants.sku,
      options: productVariants.options,
      quantity: queueTicketLines.quantity,
    })
    .from(queueTicketLines)
    .innerJoin(products, eq(products.id, queueTicketLines.productId))
    .innerJoin(productVariants, eq(productVariants.id, queueTicketLines.variantId))
    .where(inArray(queueTicketLines.ticketId, tickets.map((t) => t.ticketId)))
    .orderBy(asc(products.name), asc(productVariants.sku));
  return tickets.map(({ ticketStatus, checkoutStatus, checkoutLapsed, offeredAt, ...t }) => ({
    ...t,
    offeredAt: offeredAt!.toISOString(),
    lines: lines.filter((l) => l.ticketId === t.ticketId).map(({ ticketId: _ticket, ...l }) => l),
    outcome: outcomeOf(ticketStatus, checkoutStatus, checkoutLapsed),
  }));
}

function outcomeOf(ticketStatus: string, checkoutStatus: string | null, lapsed: boolean): OfferOutcome {
  switch (checkoutStatus) {
    case "active":
      return lapsed ? "lapsed" : ticketStatus === "left" ? "given_up" : "held";
    case "paying":
      return "paying";
    case "completed":
      return "paid";
    case "failed":
      return "declined";
    case "cancelled":
      return "given_up";
    default:
      return "lapsed";
  }
}
