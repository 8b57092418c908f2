/**
 * Handing on: units freed on a variant that shoppers wait for go to the oldest waiting tickets they complete, in
 * the transaction that frees them. Every freeing verb writes through `applyLedger` (../apply.ts), which calls
 * `handOn` with the variants it freed; the hold batch, which writes its own ledger, calls it too; and the line's
 * sweep (./sweep.ts) calls it every few seconds for holds that lapsed with no other traffic.
 *
 * Lock order, extending stock.ts's: … → stock rows → the line's advisory lock → waiting tickets (by seq) → a
 * ticket's cart → more stock rows. The caller holds the freed variants' stock rows; everything locked after the
 * tickets is locked with SKIP LOCKED, so a hand-on never waits while holding a ticket, and a ticket whose cart or
 * stock rows are busy ends the hand-on there ("blocked": the units stay closed to outsiders, and the sweep hands
 * them on in a moment). Stopping rather than skipping keeps the line's order strict.
 *
 * A ticket whose cart cannot be held whole from what is free is passed over (the units go to the oldest tickets
 * they complete); a ticket whose shopper is over a product's limit per customer is passed over and keeps its place.
 */
import "server-only";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { db, type Tx } from "@/db/client";
import { anyOf, preparedOnce } from "@/db/batch-statements";
import {
  carts,
  cartLines,
  checkouts,
  kitComponents,
  productVariants,
  products,
  queueTicketLines,
  queueTickets,
  reservations,
  stockLevels,
  users,
} from "@/db/schema";
import { queueEmail } from "../../mail/outbox";
import { lineOfferEmail } from "../../mail/templates";
import { env } from "../../platform/env";
import { isLiveCheckout } from "../availability";
import { FreeStock, type Portion } from "../free-stock";
import { lockStockRows, writeLedger, type LedgerEntry, type LockedStockRow } from "../stock";
import { overLimit } from "./limits";
import { isWaitingLine } from "./waiting";

/** The key of the line's transaction-scoped advisory lock: one hand-on at a time, shop-wide. */
const LINE_LOCK_KEY = 0x6c696e65; // "line"

const MAX_TICKETS_PER_HAND_ON = 200;

/** Which of these variants have shoppers waiting. */
export async function contendedAmong(tx: Tx, variantIds: readonly string[]): Promise<string[]> {
  if (variantIds.length === 0) return [];
  const rows = await contendedStatement(tx, { variantIds: [...new Set(variantIds)] });
  return rows.map((r) => r.variantId);
}
const contendedStatement = preparedOnce(() =>
  db
    .selectDistinct({ variantId: queueTicketLines.variantId })
    .from(queueTicketLines)
    .where(and(anyOf(queueTicketLines.variantId, sql.placeholder("variantIds")), isWaitingLine))
    .prepare("line_contended"),
);

const lockRowsSkipLocked = preparedOnce(() =>
  db
    .select({ variantId: stockLevels.variantId, locationId: stockLevels.locationId })
    .from(stockLevels)
    .where(anyOf(stockLevels.variantId, sql.placeholder("variantIds")))
    .orderBy(asc(stockLevels.variantId), asc(stockLevels.locationId))
    .for("update", { skipLocked: true })
    .prepare("line_lock_rows_skip_locked"),
);
const countRows = preparedOnce(() =>
  db
    .select({ variantId: stockLevels.variantId, rows: sql<number>`count(*)::int` })
    .from(stockLevels)
    .where(anyOf(stockLevels.variantId, sql.placeholder("variantIds")))
    .groupBy(stockLevels.variantId)
    .prepare("line_count_rows"),
);

/**
 * The stock rows of these variants that this transaction can hold without waiting (its own, and any no one else
 * has locked), read with their levels; `blocked` are the variants some of whose rows another transaction holds.
 */
async function lockWithoutWaiting(tx: Tx, variantIds: readonly string[]): Promise<{ rows: LockedStockRow[]; blocked: Set<string> }> {
  if (variantIds.length === 0) return { rows: [], blocked: new Set() };
  const [locked, counts] = await Promise.all([lockRowsSkipLocked(tx, { variantIds }), countRows(tx, { variantIds })]);
  const lockedPer = new Map<string, number>();
  for (const r of locked) lockedPer.set(r.variantId, (lockedPer.get(r.variantId) ?? 0) + 1);
  const blocked = new Set(counts.filter((c) => (lockedPer.get(c.variantId) ?? 0) < c.rows).map((c) => c.variantId));
  const whole = variantIds.filter((v) => !blocked.has(v));
  // Every row of these is ours now: read them with their levels (FOR UPDATE again returns at once).
  const rows = await lockStockRows(tx, whole);
  return { rows, blocked };
}

type Need = { productId: string; variantId: string; quantity: number; kitVariantId: string | null; line: OfferLine };
type OfferLine = { productId: string; variantId: string; quantity: number; unitPriceCents: number; kind: "stock" | "kit" };

/** The ticket's cart as it is now (it may have changed since joining), and what it takes off the shelf. */
export async function cartNeeds(tx: Tx, cartId: string): Promise<{ lines: OfferLine[]; needs: Need[] | null }> {
  const lines = await tx
    .select({
      productId: cartLines.productId,
      variantId: cartLines.variantId,
      quantity: cartLines.quantity,
      unitPriceCents: productVariants.priceCents,
      kind: productVariants.kind,
    })
    .from(cartLines)
    .innerJoin(productVariants, eq(productVariants.id, cartLines.variantId))
    .where(eq(cartLines.cartId, cartId))
    .orderBy(asc(cartLines.variantId));
  const kitIds = lines.filter((l) => l.kind === "kit").map((l) => l.variantId);
  const components =
    kitIds.length === 0
      ? []
      : await tx
          .select({
            kitVariantId: kitComponents.kitVariantId,
            productId: kitComponents.componentProductId,
            variantId: kitComponents.componentVariantId,
            quantity: kitComponents.quantity,
          })
          .from(kitComponents)
          .where(inArray(kitComponents.kitVariantId, kitIds));
  const needs: Need[] = [];
  for (const line of lines) {
    if (line.kind === "stock") {
      needs.push({ productId: line.productId, variantId: line.variantId, quantity: line.quantity, kitVariantId: null, line });
      continue;
    }
    const parts = components.filter((c) => c.kitVariantId === line.variantId);
    if (parts.length === 0) return { lines, needs: null };
    for (const c of parts) needs.push({ productId: c.productId, variantId: c.variantId, quantity: c.quantity * line.quantity, kitVariantId: line.variantId, line });
  }
  return { lines, needs };
}

type WaitingTicket = { id: string; seq: number; shopperId: string; email: string | null };

/** Marks a ticket as over: it left the line (its shopper left, emptied the cart, or checked out another way). */
export async function endTicket(tx: Tx, ticketId: string): Promise<void> {
  await Promise.all([
    tx.update(queueTickets).set({ status: "left", endedAt: sql`now()` }).where(eq(queueTickets.id, ticketId)),
    tx.update(queueTicketLines).set({ waiting: false }).where(eq(queueTicketLines.ticketId, ticketId)),
  ]);
}

/**
 * Hands units freed on these variants to the line. The caller holds their stock rows' locks and has written what
 * it freed. Returns the tickets offered, in the order they were.
 */
export async function handOn(tx: Tx, freedVariantIds: readonly string[]): Promise<string[]> {
  const contended = await contendedAmong(tx, freedVariantIds);
  if (contended.length === 0) return [];
  // Raw SQL: a function call (the advisory lock), which the builder cannot say.
  await tx.execute(sql`select pg_advisory_xact_lock(${LINE_LOCK_KEY})`);
  const first = await lockWithoutWaiting(tx, contended);
  const blocked = first.blocked;
  const known = new Set(first.rows.map((r) => r.variantId));
  const free = new FreeStock(first.rows);
  const hasFree = () => contended.some((v) => !blocked.has(v) && free.available(v) > 0);
  // Nothing free (the usual case for the sweep while holds are live): no ticket is touched. Otherwise only the
  // tickets waiting for a variant with units free can be completed now.
  const withFreeUnits = contended.filter((v) => !blocked.has(v) && free.available(v) > 0);
  if (withFreeUnits.length === 0) return [];
  const tickets: WaitingTicket[] = await tx
    .select({ id: queueTickets.id, seq: queueTickets.seq, shopperId: queueTickets.shopperId, email: queueTickets.email })
    .from(queueTickets)
    .where(
      and(
        sql`${queueTickets.status} = 'waiting'`,
        inArray(
          queueTickets.id,
          tx
            .select({ id: queueTicketLines.ticketId })
            .from(queueTicketLines)
            .where(and(inArray(queueTicketLines.variantId, withFreeUnits), isWaitingLine)),
        ),
      ),
    )
    .orderBy(asc(queueTickets.seq))
    // The oldest few hundred: freed units complete one of them long before the end of a longer line.
    .limit(MAX_TICKETS_PER_HAND_ON)
    .for("update", { of: queueTickets });
  const offered: string[] = [];

  for (const ticket of tickets) {
    if (!hasFree()) break;
    // The ticket's cart, without waiting: a shopper changing it right now blocks the hand-on (the sweep retries).
    const [cart] = await tx
      .select({ id: carts.id })
      .from(carts)
      .where(eq(carts.shopperId, ticket.shopperId))
      .for("no key update", { skipLocked: true });
    if (!cart) {
      const [exists] = await tx.select({ id: carts.id }).from(carts).where(eq(carts.shopperId, ticket.shopperId));
      if (exists) break;
      await endTicket(tx, ticket.id);
      continue;
    }
    const [live] = await tx
      .select({ id: checkouts.id })
      .from(checkouts)
      .where(and(eq(checkouts.cartId, cart.id), isLiveCheckout));
    const { lines, needs } = await cartNeeds(tx, cart.id);
    // Checking out another way, or nothing left to wait for: the ticket is over.
    if (live || lines.length === 0) {
      await endTicket(tx, ticket.id);
      continue;
    }
    if (needs === null) continue;
    const unknown = [...new Set(needs.map((n) => n.variantId))].filter((v) => !known.has(v) && !blocked.has(v));
    if (unknown.length > 0) {
      const more = await lockWithoutWaiting(tx, unknown);
      for (const v of more.blocked) blocked.add(v);
      for (const r of more.rows) known.add(r.variantId);
      free.add(more.rows);
    }
    if (needs.some((n) => blocked.has(n.variantId))) break;
    if (await overLimit(tx, { shopperId: ticket.shopperId, email: ticket.email, cartId: cart.id, wanted: needs })) continue;
    const took = free.takeAll(needs);
    if ("short" in took) continue;
    await offer(tx, ticket, cart.id, lines, took.taken);
    offered.push(ticket.id);
  }
  return offered;
}

/** Makes the offer: a new active checkout of the ticket's cart, holding it, and an email with its link. */
async function offer(tx: Tx, ticket: WaitingTicket, cartId: string, lines: OfferLine[], taken: Map<Need, Portion[]>): Promise<void> {
  const checkoutId = crypto.randomUUID();
  const until = sql`least(now() + make_interval(secs => ${env.QUEUE_OFFER_SECONDS}), now() + make_interval(secs => ${env.RESERVATION_MAX_SECONDS}))`;
  const [account] = ticket.email ? [{ email: ticket.email }] : await tx.select({ email: users.email }).from(users).where(eq(users.id, ticket.shopperId));
  const email = account?.email ?? null;
  const [made] = await tx
    .insert(checkouts)
    .values({
      id: checkoutId,
      cartId,
      shopperId: ticket.shopperId,
      email,
      totalCents: lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0),
      // To the millisecond, as every checkout's start is (a JavaScript Date): "is a newer checkout of this cart
      // started after this one?" compares it with itself as read back.
      startedAt: sql`date_trunc('milliseconds', now())`,
      expiresAt: until,
      hardExpiresAt: sql`now() + make_interval(secs => ${env.RESERVATION_MAX_SECONDS})`,
    })
    .returning({ expiresAt: checkouts.expiresAt });
  const holds = [...taken].flatMap(([need, portions]) =>
    portions.map((p) => ({
      checkoutId,
      shopperId: ticket.shopperId,
      productId: need.productId,
      variantId: need.variantId,
      locationId: p.locationId,
      quantity: p.quantity,
      unitPriceCents: need.line.unitPriceCents,
      kitVariantId: need.kitVariantId,
      kitQuantity: need.kitVariantId ? need.line.quantity : null,
      expiresAt: made!.expiresAt,
    })),
  );
  const ledger: LedgerEntry[] = holds.map((h) => ({
    productId: h.productId,
    variantId: h.variantId,
    locationId: h.locationId,
    kind: "reserve",
    reservedDelta: h.quantity,
    checkoutId,
    kitVariantId: h.kitVariantId,
    reason: "offered to the line",
  }));
  const [names] = await Promise.all([
    tx
      .select({ name: products.name })
      .from(products)
      .where(inArray(products.id, [...new Set(lines.map((l) => l.productId))])),
    tx.insert(reservations).values(holds),
    writeLedger(tx, ledger),
    tx
      .update(queueTickets)
      // The moment of handing on (hand-ons run one at a time): their order is the line's.
      .set({ status: "offered", checkoutId, offeredAt: sql`clock_timestamp()` })
      .where(eq(queueTickets.id, ticket.id)),
    tx.update(queueTicketLines).set({ waiting: false }).where(eq(queueTicketLines.ticketId, ticket.id)),
  ]);
  if (email) {
    const rendered = lineOfferEmail({
      items: names.map((n) => n.name),
      link: `${env.SHOP_URL}/checkout/${checkoutId}`,
      minutes: Math.max(1, Math.round(env.QUEUE_OFFER_SECONDS / 60)),
    });
    await queueEmail(tx, { kind: "line_offer", recipient: email, ...rendered, dedupeKey: `line-offer:${ticket.id}` });
  }
}
