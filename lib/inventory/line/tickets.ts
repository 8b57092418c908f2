/**
 * The shopper's side of the line: joining with the cart (when others hold what it needs), reading the ticket
 * (position, how many are ahead, an honest estimate of the wait, or the offer), and leaving. The route handlers
 * and the pages' server actions call these same functions.
 */
import "server-only";
import { and, asc, count, countDistinct, desc, eq, gt, inArray, lt, sql } from "drizzle-orm";
import { db, type Tx } from "@/db/client";
import { carts, checkouts, productVariants, products, queueTicketLines, queueTickets, reservations, stockMovements } from "@/db/schema";
import { DomainError, notFound } from "../../platform/errors";
import { env } from "../../platform/env";
import { isUuid } from "../../platform/ids";
import { isActiveHold, isLiveCheckout } from "../availability";
import { FreeStock } from "../free-stock";
import { releaseCheckoutHolds } from "../release";
import { expireStaleHoldsOn, expiredLedger, lockStockRows } from "../stock";
import { applyLedger } from "../apply";
import { cartNeeds, endTicket, handOn } from "./hand-on";
import { isWaitingLine, variantsWaitedFor } from "./waiting";
import { limitError, overLimit } from "./limits";

export type TicketStatus = "waiting" | "offered" | "lapsed" | "left";

export interface TicketView {
  id: string;
  status: TicketStatus;
  /** 1 for the next in line; null once the ticket no longer waits. */
  position: number | null;
  ahead: number | null;
  /** From the holds ahead (when they lapse at the latest) and how fast holds on these variants have been ending; null if unknown. */
  estimatedWaitSeconds: number | null;
  lines: { productId: string; variantId: string; name: string; sku: string; options: Record<string, string>; quantity: number }[];
  /** The checkout holding the cart for this shopper, once offered. */
  checkoutId: string | null;
  /** When the offer lapses if the shopper does nothing (the checkout's expiry). */
  offerExpiresAt: string | null;
  joinedAt: string;
  serverTime: string;
}

type Reader = typeof db | Tx;

/** How many units of the ticket's variants' holds ended per second lately: the pace of the line. */
const PACE_WINDOW_SECONDS = 900;

/**
 * Joins the line with the shopper's cart: 201-like `created` with a new waiting ticket, or the shopper's live ticket
 * (waiting, or offered and not yet over). Refused with 400 `empty_cart`, 409 `in_stock` when the cart can be held
 * now (start checkout instead), 409 `limit_per_customer`, 409 `payment_in_progress`. A checkout the shopper still
 * has for this cart is given up for the ticket (its units go to the line like any others).
 */
export async function joinLine(shopperId: string, email: string | null): Promise<{ ticket: TicketView; created: boolean }> {
  const joined = await db.transaction(async (tx) => {
    // Lock order: cart → checkout → stock rows → (the hand-on's) tickets.
    const [cart] = await tx.select({ id: carts.id }).from(carts).where(eq(carts.shopperId, shopperId)).for("no key update");
    if (!cart) throw new DomainError("empty_cart", "Your cart is empty.");
    const live = await liveTicketOf(tx, shopperId);
    if (live) return { ticketId: live, created: false };
    const [checkout] = await tx
      .select({ id: checkouts.id, status: checkouts.status })
      .from(checkouts)
      .where(and(eq(checkouts.cartId, cart.id), isLiveCheckout))
      .for("update");
    if (checkout?.status === "paying") throw new DomainError("payment_in_progress", "Your payment is being confirmed. Please wait a moment.");
    const { lines, needs } = await cartNeeds(tx, cart.id);
    if (lines.length === 0) throw new DomainError("empty_cart", "Your cart is empty.");
    if (needs === null) throw new DomainError("insufficient_stock", "An item in your cart cannot be sold now, so waiting would not help.", { lines: [] });
    const held = checkout
      ? await tx
          .select({ variantId: reservations.variantId, locationId: reservations.locationId, quantity: reservations.quantity })
          .from(reservations)
          .where(and(eq(reservations.checkoutId, checkout.id), isActiveHold, sql`${reservations.expiresAt} > now()`))
      : [];
    const variants = [...new Set([...needs.map((n) => n.variantId), ...held.map((h) => h.variantId)])];
    await lockStockRows(tx, variants);
    // Holds whose time is up go back (to the line first) before deciding.
    await applyLedger(tx, expiredLedger(await expireStaleHoldsOn(tx, variants)));
    const rows = await lockStockRows(tx, variants);
    const closed = variantsWaitedFor(rows);
    if ("taken" in new FreeStock(rows).takeAll(needs, held, closed)) {
      throw new DomainError("in_stock", "Your cart can be held now: start checkout instead of joining the line.");
    }
    const refusal = await overLimit(tx, { shopperId, email, cartId: cart.id, wanted: needs });
    if (refusal) throw limitError(refusal);
    if (checkout) {
      await releaseCheckoutHolds(tx, checkout.id, { status: "cancelled", endedBy: "shopper", kind: "release", reason: "joined the line", actorId: null });
    }
    // A variant shoppers start to wait for: idle holds on it now lapse after the contended time.
    const newlyContended = variants.filter((v) => !closed.has(v) && needs.some((n) => n.variantId === v));
    await shortenIdleHolds(tx, newlyContended);
    const [ticket] = await tx.insert(queueTickets).values({ shopperId, email }).returning({ id: queueTickets.id, seq: queueTickets.seq });
    const wanted = new Map<string, { productId: string; quantity: number }>();
    for (const n of needs) {
      const w = wanted.get(n.variantId) ?? { productId: n.productId, quantity: 0 };
      w.quantity += n.quantity;
      wanted.set(n.variantId, w);
    }
    await tx
      .insert(queueTicketLines)
      .values([...wanted].map(([variantId, w]) => ({ ticketId: ticket!.id, seq: ticket!.seq, variantId, productId: w.productId, quantity: w.quantity })));
    // Units already free that this ticket completes (the line may be short of what its head needs) go now.
    await handOn(tx, variants);
    return { ticketId: ticket!.id, created: true };
  });
  return { ticket: (await readTicket(db, joined.ticketId))!, created: joined.created };
}

/**
 * Idle holds on these variants lapse after RESERVATION_TTL_CONTENDED_SECONDS from now on: each hold's expiry comes
 * forward by the difference, so a hold touched a minute ago keeps the contended time less that minute. A hold or
 * checkout another transaction is working on right now is left (it takes the contended time itself when extended).
 */
async function shortenIdleHolds(tx: Tx, variantIds: readonly string[]): Promise<void> {
  const cut = env.RESERVATION_TTL_SECONDS - env.RESERVATION_TTL_CONTENDED_SECONDS;
  if (variantIds.length === 0 || cut <= 0) return;
  const sooner = (column: typeof reservations.expiresAt | typeof checkouts.expiresAt) =>
    sql`greatest(now(), ${column} - make_interval(secs => ${cut}))`;
  const idle = tx
    .select({ id: reservations.id })
    .from(reservations)
    .where(and(inArray(reservations.variantId, [...variantIds]), isActiveHold, gt(reservations.expiresAt, sql`now()`)))
    .for("update", { skipLocked: true });
  const shortened = await tx
    .update(reservations)
    .set({ expiresAt: sooner(reservations.expiresAt) })
    .where(inArray(reservations.id, idle))
    .returning({ checkoutId: reservations.checkoutId });
  const ids = [...new Set(shortened.map((s) => s.checkoutId))];
  if (ids.length === 0) return;
  const activeCheckouts = tx
    .select({ id: checkouts.id })
    .from(checkouts)
    .where(and(inArray(checkouts.id, ids), sql`${checkouts.status} = 'active'`))
    .for("update", { skipLocked: true });
  await tx.update(checkouts).set({ expiresAt: sooner(checkouts.expiresAt) }).where(inArray(checkouts.id, activeCheckouts));
}

/** The shopper's live ticket: waiting, or offered with its checkout not yet over. */
async function liveTicketOf(executor: Reader, shopperId: string): Promise<string | null> {
  const [ticket] = await executor
    .select({ id: queueTickets.id })
    .from(queueTickets)
    .leftJoin(checkouts, eq(checkouts.id, queueTickets.checkoutId))
    .where(
      and(
        eq(queueTickets.shopperId, shopperId),
        sql`(${queueTickets.status} = 'waiting' or (${queueTickets.status} = 'offered' and ${checkouts.status} in ('active', 'paying') and (${checkouts.status} = 'paying' or ${checkouts.expiresAt} > now())))`,
      ),
    )
    .orderBy(desc(queueTickets.createdAt))
    .limit(1);
  return ticket?.id ?? null;
}

/** The shopper's ticket, or 404 (also for another shopper's). */
export async function getTicket(shopperId: string, ticketId: string): Promise<TicketView> {
  if (!isUuid(ticketId)) throw notFound("ticket");
  const ticket = await readTicket(db, ticketId, shopperId);
  if (!ticket) throw notFound("ticket");
  return ticket;
}

/** The shopper's live ticket, if any (the cart page offers "Join the line" otherwise). */
export async function currentTicket(shopperId: string): Promise<TicketView | null> {
  const id = await liveTicketOf(db, shopperId);
  return id ? ((await readTicket(db, id)) ?? null) : null;
}

/**
 * Leaves the line: a waiting ticket is `left` at once; an offered one gives up its checkout too (its units go on
 * to the next in line). Leaving again answers the ticket as it is.
 */
export async function leaveLine(shopperId: string, ticketId: string): Promise<TicketView> {
  if (!isUuid(ticketId)) throw notFound("ticket");
  await db.transaction(async (tx) => {
    const [ticket] = await tx
      .select({ status: queueTickets.status, checkoutId: queueTickets.checkoutId })
      .from(queueTickets)
      .where(and(eq(queueTickets.id, ticketId), eq(queueTickets.shopperId, shopperId)));
    if (!ticket) throw notFound("ticket");
    if (ticket.status === "left") return;
    if (ticket.status === "offered" && ticket.checkoutId) {
      // Lock order: the checkout, its stock rows (and the hand-on), then the ticket.
      const [checkout] = await tx.select({ status: checkouts.status }).from(checkouts).where(eq(checkouts.id, ticket.checkoutId)).for("update");
      if (checkout?.status === "paying") throw new DomainError("payment_in_progress", "Your payment is being confirmed. Please wait a moment.");
      if (checkout?.status === "completed") throw new DomainError("checkout_completed", "This offer has already been paid.");
      if (checkout?.status === "active") {
        await releaseCheckoutHolds(tx, ticket.checkoutId, { status: "cancelled", endedBy: "shopper", kind: "release", reason: "left the line", actorId: null });
      }
    }
    await endTicket(tx, ticketId);
  });
  return (await readTicket(db, ticketId))!;
}

/** A ticket as the shopper sees it, with its place in the line and the estimate; undefined if not theirs. */
export async function readTicket(executor: Reader, ticketId: string, shopperId?: string): Promise<TicketView | undefined> {
  const [row] = await executor
    .select({
      id: queueTickets.id,
      seq: queueTickets.seq,
      status: queueTickets.status,
      checkoutId: queueTickets.checkoutId,
      createdAt: queueTickets.createdAt,
      checkoutStatus: checkouts.status,
      checkoutExpiresAt: checkouts.expiresAt,
      now: sql<string>`to_json(now()) #>> '{}'`,
    })
    .from(queueTickets)
    .leftJoin(checkouts, eq(checkouts.id, queueTickets.checkoutId))
    .where(and(eq(queueTickets.id, ticketId), shopperId ? eq(queueTickets.shopperId, shopperId) : undefined));
  if (!row) return undefined;
  const now = new Date(row.now);
  const lines = await executor
    .select({
      productId: queueTicketLines.productId,
      variantId: queueTicketLines.variantId,
      name: products.name,
      sku: productVariants.sku,
      options: productVariants.options,
      quantity: queueTicketLines.quantity,
    })
    .from(queueTicketLines)
    .innerJoin(products, eq(products.id, queueTicketLines.productId))
    .innerJoin(productVariants, eq(productVariants.id, queueTicketLines.variantId))
    .where(eq(queueTicketLines.ticketId, ticketId))
    .orderBy(asc(products.name), asc(productVariants.sku));
  const status = shownStatus(row, now);
  const place = status === "waiting" ? await placeInLine(executor, row.seq, lines) : null;
  return {
    id: row.id,
    status,
    position: place ? place.ahead + 1 : null,
    ahead: place?.ahead ?? null,
    estimatedWaitSeconds: place?.estimatedWaitSeconds ?? null,
    lines,
    checkoutId: row.checkoutId,
    offerExpiresAt: row.checkoutId && row.checkoutExpiresAt && status === "offered" ? row.checkoutExpiresAt.toISOString() : null,
    joinedAt: row.createdAt.toISOString(),
    serverTime: now.toISOString(),
  };
}

/** An offer reads as lapsed once its checkout ran out of time (or its payment failed), as left if cancelled. */
function shownStatus(row: { status: string; checkoutStatus: string | null; checkoutExpiresAt: Date | null }, now: Date): TicketStatus {
  if (row.status !== "offered") return row.status as TicketStatus;
  switch (row.checkoutStatus) {
    case "active":
      return row.checkoutExpiresAt && row.checkoutExpiresAt > now ? "offered" : "lapsed";
    case "paying":
    case "completed":
      return "offered";
    case "cancelled":
      return "left";
    default:
      return "lapsed";
  }
}

/**
 * How many wait ahead (tickets that joined earlier and wait for any of these variants), and the estimate: for
 * each variant, the units wanted up to and including this ticket; the time when the live holds on it would have
 * freed that many if none is touched again (the latest it takes, unless paid for), and the time at the pace holds
 * on it ended in the last quarter hour; the sooner of the two, the longest over the variants.
 */
async function placeInLine(
  executor: Reader,
  seq: number,
  lines: readonly { variantId: string; quantity: number }[],
): Promise<{ ahead: number; estimatedWaitSeconds: number | null }> {
  const variantIds = lines.map((l) => l.variantId);
  const [[aheadRow], wantedAhead] = await Promise.all([
    executor
      .select({ n: countDistinct(queueTicketLines.ticketId) })
      .from(queueTicketLines)
      .where(and(inArray(queueTicketLines.variantId, variantIds), isWaitingLine, lt(queueTicketLines.seq, seq))),
    executor
      .select({ variantId: queueTicketLines.variantId, units: sql<number>`sum(${queueTicketLines.quantity})::int` })
      .from(queueTicketLines)
      .where(and(inArray(queueTicketLines.variantId, variantIds), isWaitingLine, lt(queueTicketLines.seq, seq)))
      .groupBy(queueTicketLines.variantId),
  ]);
  let estimate: number | null = 0;
  for (const line of lines) {
    const units = (wantedAhead.find((w) => w.variantId === line.variantId)?.units ?? 0) + line.quantity;
    const seconds = await secondsUntilFreed(executor, line.variantId, units);
    if (seconds === null) {
      estimate = null;
      break;
    }
    estimate = Math.max(estimate, seconds);
  }
  return { ahead: aheadRow!.n, estimatedWaitSeconds: estimate };
}

async function secondsUntilFreed(executor: Reader, variantId: string, units: number): Promise<number | null> {
  // Raw SQL: a running sum over the live holds in expiry order (a window function), which the builder cannot say.
  const [latest] = (await executor.execute(sql`
    select extract(epoch from (expires_at - now()))::float8 as seconds from (
      select ${reservations.expiresAt} as expires_at, sum(${reservations.quantity}) over (order by ${reservations.expiresAt}, ${reservations.id}) as units
      from ${reservations}
      where ${reservations.variantId} = ${variantId} and ${isActiveHold} and ${reservations.expiresAt} > now()
    ) held where units >= ${units} order by expires_at limit 1`)) as unknown as { seconds: number }[];
  const [pace] = await executor
    .select({ units: sql<number>`coalesce(-sum(${stockMovements.reservedDelta}), 0)::int` })
    .from(stockMovements)
    .where(
      and(
        eq(stockMovements.variantId, variantId),
        inArray(stockMovements.kind, ["release", "expire"]),
        gt(stockMovements.createdAt, sql`now() - make_interval(secs => ${PACE_WINDOW_SECONDS})`),
      ),
    );
  const byPace = pace!.units > 0 ? (units * PACE_WINDOW_SECONDS) / pace!.units : null;
  const byLapse = latest ? Math.max(0, latest.seconds) : null;
  if (byPace === null && byLapse === null) return null;
  return Math.round(Math.min(byPace ?? Infinity, byLapse ?? Infinity));
}

/**
 * What a refused start may hope for, of its short variants (a kit's: its short components): the units in other
 * shoppers' live holds (they may come back), and whether shoppers already wait for them in the line.
 */
export async function lineFacts(shopperId: string, variantIds: readonly string[]): Promise<{ held: number; waiting: boolean }> {
  if (variantIds.length === 0) return { held: 0, waiting: false };
  const [[held], [waiting]] = await Promise.all([
    db
      .select({ units: sql<number>`coalesce(sum(${reservations.quantity}), 0)::int` })
      .from(reservations)
      .where(
        and(
          inArray(reservations.variantId, [...variantIds]),
          isActiveHold,
          gt(reservations.expiresAt, sql`now()`),
          sql`${reservations.shopperId} <> ${shopperId}`,
        ),
      ),
    db
      .select({ n: count() })
      .from(queueTicketLines)
      .where(and(inArray(queueTicketLines.variantId, [...variantIds]), isWaitingLine)),
  ]);
  return { held: held!.units, waiting: waiting!.n > 0 };
}

/** Per variant: how many checkouts hold it now, and how many tickets wait for it (the product page's demand). */
export async function demandFor(variantIds: readonly string[]): Promise<Map<string, { checkingOut: number; waiting: number }>> {
  const demand = new Map(variantIds.map((v) => [v, { checkingOut: 0, waiting: 0 }]));
  if (variantIds.length === 0) return demand;
  const [holding, waiting] = await Promise.all([
    db
      .select({ variantId: reservations.variantId, n: countDistinct(reservations.checkoutId) })
      .from(reservations)
      .where(and(inArray(reservations.variantId, [...variantIds]), isActiveHold, gt(reservations.expiresAt, sql`now()`)))
      .groupBy(reservations.variantId),
    db
      .select({ variantId: queueTicketLines.variantId, n: count() })
      .from(queueTicketLines)
      .where(and(inArray(queueTicketLines.variantId, [...variantIds]), isWaitingLine))
      .groupBy(queueTicketLines.variantId),
  ]);
  for (const h of holding) demand.get(h.variantId)!.checkingOut = h.n;
  for (const w of waiting) demand.get(w.variantId)!.waiting = w.n;
  return demand;
}
