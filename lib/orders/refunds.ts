/**
 * Refunds and cancellations. Money moves exactly once, as a payment does (lib/checkout/pay.ts):
 *   1. one short transaction locks the order, checks what may be refunded, and records the refund (processing,
 *      amount, lines) with its stock changes (lib/inventory/returns.ts) and the order's new counts;
 *   2. the provider is asked to refund, outside any transaction, under a key derived from the refund's id;
 *   3. its answer is recorded once (a conditional update) with the shopper's email.
 * A crash between 1 and 3 leaves a `processing` refund that the recovery sweep (lib/payments/recovery.ts) or the
 * provider's refund webhook settles by asking the provider; the refund key makes a repeated call the same refund.
 * Of two refunds at once, the order's row lock serialises them: the second sees the first's counts and is refused
 * (409) when it would go past what was sold. The database refuses past the order's total (orders_total_refunded_within).
 *
 * Lock order: the order row, then its allocations, then stock rows (lib/inventory/stock.ts).
 */
import "server-only";
import { and, asc, eq, inArray, lte, sql } from "drizzle-orm";
import { db, type Tx } from "@/db/client";
import { orderLines, orders, payments, refunds, type RefundLine } from "@/db/schema";
import { DomainError, notFound } from "../platform/errors";
import { isUuid } from "../platform/ids";
import { env } from "../platform/env";
import { lineShipping, releaseOrderUnits, settleRefundedUnits } from "../inventory";
import { FAILED_PAYMENT_STATUSES } from "./payment-state";
import { findOrderById, type OrderView } from "./read";
import { refreshOrderStatus } from "./status";
import { paymentProvider } from "../payments/index";
import type { ProviderRefund } from "../payments/provider";
import { providerKey } from "../checkout/pay";
import { queueRefundEmail } from "../mail/after-order";

export const REFUND_KEY_PREFIX = "stockhold_refund_";
/** The provider's idempotency key of a refund: derived from its record, so the record can never refund twice. */
export const refundKey = (refundId: string) => `${REFUND_KEY_PREFIX}${refundId}`;

export interface RefundInput {
  /** Chosen lines and units; none: everything not yet refunded. */
  lines?: { variantId: string; quantity: number }[] | undefined;
  /** Unshipped units go back on sale and shipped ones come back onto the shelf; otherwise written off / kept away. */
  restock: boolean;
  reason: string;
  /** The admin's Idempotency-Key: the same key again answers this refund. */
  requestKey: string;
}

async function orderView(orderId: string): Promise<OrderView> {
  const order = await findOrderById(orderId);
  if (!order) throw notFound("order");
  return order;
}

async function lockOrder(tx: Tx, orderId: string) {
  const [order] = await tx
    .select({ status: orders.status, totalCents: orders.totalCents, refundedCents: orders.refundedCents })
    .from(orders)
    .where(eq(orders.id, orderId))
    .for("update");
  if (!order) throw notFound("order");
  return order;
}

/**
 * Refunds chosen lines of an order (or all of it) through the payment provider, once however often it is asked
 * with the same key. 409 `conflict` for more units than were sold or are left to refund, an order with nothing left
 * to refund, a cancelled order or one whose payment was never captured; 400 for a line not in the order.
 */
export async function refundOrder(orderId: string, actorId: string | null, input: RefundInput): Promise<OrderView> {
  if (!isUuid(orderId)) throw notFound("order");
  const refundId = await db.transaction(async (tx) => {
    const order = await lockOrder(tx, orderId);
    const [earlier] = await tx
      .select({ id: refunds.id })
      .from(refunds)
      .where(and(eq(refunds.orderId, orderId), eq(refunds.requestKey, input.requestKey)));
    if (earlier) return earlier.id;
    if (order.status === "cancelled") throw new DomainError("conflict", "This order was cancelled; there is nothing left to refund.");
    return recordRefund(tx, orderId, actorId, order, input, false);
  });
  await finishRefund(refundId, "throw");
  return orderView(orderId);
}

/**
 * Cancels an order before anything shipped: its money is refunded in full and its allocated units go back on sale,
 * in one recorded operation. An order whose payment failed (no money held) only has its units put back. Cancelled
 * already: the order as it is. 409 `conflict` once anything shipped; 409 `payment_not_failed` while its payment is
 * authorized but not yet captured.
 */
export async function cancelOrder(orderId: string, actorId: string | null, reason: string): Promise<OrderView> {
  if (!isUuid(orderId)) throw notFound("order");
  const refundId = await db.transaction(async (tx) => {
    const order = await lockOrder(tx, orderId);
    if (order.status === "cancelled") return null;
    const lines = await tx
      .select({ variantId: orderLines.variantId, quantity: orderLines.quantity })
      .from(orderLines)
      .where(eq(orderLines.orderId, orderId));
    const shipping = await lineShipping(tx, orderId, lines);
    if ([...shipping.values()].some((s) => s.fulfilled > 0)) {
      throw new DomainError("conflict", "Part of this order has shipped; it can no longer be cancelled. Refund its lines instead.");
    }
    const [payment] = await tx
      .select({
        status: payments.status,
        // Raw SQL: compared with the database's clock in the locked read (a capture or void under way).
        claimed: sql<boolean>`coalesce(${payments.stepClaimedAt} > now() - interval '120 seconds', false)`,
      })
      .from(payments)
      .where(eq(payments.orderId, orderId))
      .for("update");
    if (payment && FAILED_PAYMENT_STATUSES.includes(payment.status) && !payment.claimed) {
      await releaseOrderUnits(tx, orderId, { actorId, reason: `order cancelled (payment failed): ${reason}` });
      await tx.update(orders).set({ status: "cancelled", cancelledAt: sql`now()` }).where(eq(orders.id, orderId));
      return null;
    }
    if (!payment || payment.status !== "captured") {
      throw new DomainError(
        "payment_not_failed",
        "This order's payment is authorized but not captured yet: retry the capture first, or wait for it to fail, then cancel.",
      );
    }
    const left = order.totalCents - order.refundedCents;
    const refundId =
      left > 0 ? await recordRefund(tx, orderId, actorId, order, { restock: true, reason, requestKey: "cancellation" }, true) : null;
    // Whatever a refund left allocated (nothing normally) goes back on sale too.
    await releaseOrderUnits(tx, orderId, { actorId, reason: `order cancelled: ${reason}` });
    await tx.update(orders).set({ status: "cancelled", cancelledAt: sql`now()` }).where(eq(orders.id, orderId));
    return refundId;
  });
  if (refundId) await finishRefund(refundId, "throw");
  return orderView(orderId);
}

/** Step 1: checks the lines against what is left, records the refund, moves its units and counts it on the order. */
async function recordRefund(
  tx: Tx,
  orderId: string,
  actorId: string | null,
  order: { totalCents: number; refundedCents: number },
  input: Omit<RefundInput, "requestKey"> & { requestKey: string },
  cancellation: boolean,
): Promise<string> {
  const [payment] = await tx.select({ id: payments.id, status: payments.status }).from(payments).where(eq(payments.orderId, orderId));
  if (!payment || payment.status !== "captured") {
    throw new DomainError("conflict", "This order's payment was not captured, so there is no money to refund.");
  }
  const lines = await tx
    .select({
      variantId: orderLines.variantId,
      quantity: orderLines.quantity,
      unitPriceCents: orderLines.unitPriceCents,
      refunded: orderLines.refunded,
    })
    .from(orderLines)
    .where(eq(orderLines.orderId, orderId))
    .orderBy(asc(orderLines.variantId));
  const wanted = new Map<string, number>();
  if (input.lines) {
    for (const l of input.lines) {
      if (!lines.some((line) => line.variantId === l.variantId)) {
        throw new DomainError("invalid_request", "That line is not in this order.", {
          issues: [{ path: ["lines"], message: `No line of this order sells variant ${l.variantId}.` }],
        });
      }
      wanted.set(l.variantId, (wanted.get(l.variantId) ?? 0) + l.quantity);
    }
  } else {
    for (const l of lines) if (l.quantity > l.refunded) wanted.set(l.variantId, l.quantity - l.refunded);
  }
  if (wanted.size === 0) throw new DomainError("conflict", "Everything in this order has been refunded already.");
  const shipping = await lineShipping(tx, orderId, lines);
  const refundLines: RefundLine[] = [];
  let amountCents = 0;
  for (const line of lines) {
    const units = wanted.get(line.variantId);
    if (!units) continue;
    const left = line.quantity - line.refunded;
    if (units > left) {
      throw new DomainError(
        "conflict",
        `Only ${left} of the ${line.quantity} unit(s) of this line are left to refund (${line.refunded} refunded already).`,
        { variantId: line.variantId, requested: units, refundable: left },
      );
    }
    // Units not shipped yet are refunded first: they never leave the shop.
    const unshipped = Math.min(units, shipping.get(line.variantId)?.open ?? 0);
    const shipped = units - unshipped;
    refundLines.push({ variantId: line.variantId, quantity: units, unshipped, shipped, returned: input.restock ? shipped : 0 });
    amountCents += units * line.unitPriceCents;
  }
  amountCents = Math.min(amountCents, order.totalCents - order.refundedCents);
  if (amountCents <= 0) throw new DomainError("conflict", "Nothing of this order's money is left to refund.");

  const [refund] = await tx
    .insert(refunds)
    .values({
      orderId,
      paymentId: payment.id,
      requestKey: input.requestKey,
      amountCents,
      lines: refundLines,
      restock: input.restock,
      reason: input.reason,
      cancellation,
      actorId,
    })
    .returning({ id: refunds.id });
  const byLine = (pick: (l: RefundLine) => number) =>
    refundLines
      .filter((l) => pick(l) > 0)
      .map((l) => ({ variantId: l.variantId, lineQuantity: lines.find((x) => x.variantId === l.variantId)!.quantity, units: pick(l) }));
  await settleRefundedUnits(tx, orderId, {
    unshipped: byLine((l) => l.unshipped),
    returned: byLine((l) => l.returned),
    restock: input.restock,
    actorId,
    reason: `${cancellation ? "order cancelled" : "refund"}: ${input.reason}`,
  });
  for (const l of refundLines) {
    await tx
      .update(orderLines)
      .set({ refunded: sql`${orderLines.refunded} + ${l.quantity}`, returned: sql`${orderLines.returned} + ${l.returned}` })
      .where(and(eq(orderLines.orderId, orderId), eq(orderLines.variantId, l.variantId)));
  }
  await tx
    .update(orders)
    .set({ refundedCents: sql`${orders.refundedCents} + ${amountCents}` })
    .where(eq(orders.id, orderId));
  await refreshOrderStatus(tx, orderId);
  return refund!.id;
}

/**
 * Step 2 and 3: asks the provider to make the refund (no transaction open, no pooled connection held) and records
 * its answer. `failure: "throw"` (the admin's request) answers 409 `payment_in_progress` when the provider did not
 * answer: the refund stays recorded and the sweep completes it; "log" (the sweep) only logs.
 */
export async function finishRefund(refundId: string, failure: "throw" | "log"): Promise<void> {
  const [refund] = await db
    .select({ status: refunds.status, amountCents: refunds.amountCents, paymentId: refunds.paymentId, reference: payments.providerReference })
    .from(refunds)
    .innerJoin(payments, eq(payments.id, refunds.paymentId))
    .where(eq(refunds.id, refundId));
  if (!refund || refund.status !== "processing") return;
  const request = { idempotencyKey: refundKey(refundId), paymentKey: providerKey(refund.paymentId), reference: refund.reference ?? "" };
  let answer: ProviderRefund;
  try {
    // A refund the provider already made (a retry, or the sweep after a crash) is found, not made again.
    answer = (await paymentProvider().lookupRefund(request)) ?? (await paymentProvider().refundAmount({ ...request, amountCents: refund.amountCents }));
  } catch (error) {
    console.error(`refund ${refundId} was not taken by the provider:`, error instanceof Error ? error.message : error);
    if (failure === "log") return;
    throw new DomainError(
      "payment_in_progress",
      "The refund is recorded, but the payment provider did not answer just now. It completes by itself shortly; sending the same request again is safe.",
      { retry: true },
    );
  }
  await recordRefundAnswer(refundId, answer);
}

/**
 * Records the provider's answer about a refund, once: the first settler (the request, the webhook or the sweep)
 * moves it out of `processing` and queues the shopper's email; the others change nothing. A refund the provider
 * refused gives its amount back to the order (the money stayed with the shop).
 */
export async function recordRefundAnswer(refundId: string, answer: ProviderRefund): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [refund] = await tx
      .select({ orderId: refunds.orderId })
      .from(refunds)
      .where(eq(refunds.id, refundId));
    if (!refund) return false;
    // The order row first, as every writer of the order does.
    await tx.select({ id: orders.id }).from(orders).where(eq(orders.id, refund.orderId)).for("update");
    const [settled] = await tx
      .update(refunds)
      .set({
        status: answer.status === "failed" ? "failed" : "succeeded",
        providerReference: answer.reference,
        settledAt: sql`now()`,
        updatedAt: sql`now()`,
      })
      .where(and(eq(refunds.id, refundId), eq(refunds.status, "processing")))
      .returning({ amountCents: refunds.amountCents, lines: refunds.lines, cancellation: refunds.cancellation });
    if (!settled) return false;
    if (answer.status === "failed") {
      await tx
        .update(orders)
        .set({ refundedCents: sql`${orders.refundedCents} - ${settled.amountCents}` })
        .where(eq(orders.id, refund.orderId));
      await refreshOrderStatus(tx, refund.orderId);
      return true;
    }
    await queueRefundEmail(tx, {
      id: refundId,
      orderId: refund.orderId,
      amountCents: settled.amountCents,
      lines: settled.lines.map((l) => ({ variantId: l.variantId, quantity: l.quantity })),
      cancellation: settled.cancellation,
    });
    return true;
  });
}

/** Refunds with no answer for PAYMENT_RECOVERY_AFTER_SECONDS, settled by asking the provider. Returns how many. */
export async function recoverRefunds(options: { limit?: number } = {}): Promise<number> {
  const due = await db
    .select({ id: refunds.id })
    .from(refunds)
    .where(
      and(
        eq(refunds.status, "processing"),
        lte(refunds.updatedAt, sql`now() - make_interval(secs => ${env.PAYMENT_RECOVERY_AFTER_SECONDS})`),
      ),
    )
    .orderBy(asc(refunds.updatedAt))
    .limit(options.limit ?? 100);
  let settled = 0;
  for (const r of due) {
    await finishRefund(r.id, "log");
    const [now] = await db.select({ status: refunds.status }).from(refunds).where(eq(refunds.id, r.id));
    if (now?.status !== "processing") settled += 1;
  }
  return settled;
}

/**
 * A refund webhook: the refund it names, or (Stripe's `charge.refunded` names the payment) every refund of that
 * payment still processing, settled from what the provider says now. Returns the payment it was about, if known.
 */
export async function settleRefundsFromWebhook(refund: { idempotencyKey: string | null; paymentReference: string | null }): Promise<string | null> {
  let ids: { id: string; paymentId: string }[] = [];
  const fromKey = refund.idempotencyKey?.startsWith(REFUND_KEY_PREFIX) ? refund.idempotencyKey.slice(REFUND_KEY_PREFIX.length) : null;
  if (fromKey && isUuid(fromKey)) {
    ids = await db.select({ id: refunds.id, paymentId: refunds.paymentId }).from(refunds).where(eq(refunds.id, fromKey));
  } else if (refund.paymentReference) {
    const paid = db.select({ id: payments.id }).from(payments).where(eq(payments.providerReference, refund.paymentReference));
    ids = await db
      .select({ id: refunds.id, paymentId: refunds.paymentId })
      .from(refunds)
      .where(and(inArray(refunds.paymentId, paid), eq(refunds.status, "processing")));
  }
  for (const r of ids) {
    const [row] = await db
      .select({ reference: payments.providerReference })
      .from(payments)
      .where(eq(payments.id, r.paymentId));
    const state = await paymentProvider().lookupRefund({ idempotencyKey: refundKey(r.id), paymentKey: providerKey(r.paymentId), reference: row?.reference ?? "" });
    if (state) await recordRefundAnswer(r.id, state);
  }
  return ids[0]?.paymentId ?? null;
}
