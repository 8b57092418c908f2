/**
 * An order whose payment failed after it was placed: the capture was refused, or the provider gave the
 * authorization back (Stripe cancels one left uncaptured for 7 days). The order then holds allocated units with
 * no money behind it, and the merchant takes one of two paths (admin page and API):
 *   - retry the capture: works while the provider still holds the authorization, once however often it is asked;
 *   - cancel the order (lib/orders/refunds.ts `cancelOrder`): once its payment has failed, its allocated units go
 *     back on sale; a captured one is refunded in full as it is cancelled.
 */
import "server-only";
import { eq, sql } from "drizzle-orm";
import { db, type Tx } from "@/db/client";
import { orders, payments } from "@/db/schema";
import { DomainError, notFound } from "../platform/errors";
import { isUuid } from "../platform/ids";
import { findOrderById, type OrderView } from "../orders/read";
import { finishStep } from "../checkout/pay";


const STEP_CLAIM_SECONDS = 120;

async function lockOrderPayment(tx: Tx, orderId: string) {
  if (!isUuid(orderId)) throw notFound("order");
  const [order] = await tx.select({ status: orders.status }).from(orders).where(eq(orders.id, orderId)).for("update");
  if (!order) throw notFound("order");
  const [payment] = await tx
    .select({
      id: payments.id,
      status: payments.status,
      // Raw SQL: compared with the database's clock in the locked read.
      claimed: sql<boolean>`coalesce(${payments.stepClaimedAt} > now() - make_interval(secs => ${STEP_CLAIM_SECONDS}), false)`,
    })
    .from(payments)
    .where(eq(payments.orderId, orderId))
    .for("update");
  return { order, payment };
}

async function orderView(orderId: string): Promise<OrderView> {
  const order = await findOrderById(orderId);
  if (!order) throw notFound("order");
  return order;
}

/**
 * Captures an order's payment again. Captured already: the order as it is. The capture is claimed first, so two
 * clicks (or a click and the sweep) make one provider call. 409 `capture_failed` when the provider no longer
 * holds the authorization: the order can then only be cancelled.
 */
export async function retryOrderCapture(orderId: string): Promise<OrderView> {
  const claim = await db.transaction(async (tx) => {
    const { order, payment } = await lockOrderPayment(tx, orderId);
    if (!payment) throw new DomainError("conflict", "This order has no payment to capture.");
    if (payment.status === "captured") return null;
    if (order.status === "cancelled") throw new DomainError("conflict", "This order was cancelled; its payment is not captured.");
    if (payment.status !== "authorized" && payment.status !== "voided") {
      throw new DomainError("capture_failed", `This order's payment is ${payment.status}; there is nothing to capture. Cancel the order instead.`);
    }
    if (payment.claimed) throw new DomainError("payment_in_progress", "This payment is being captured right now. Reload in a moment.");
    await tx.update(payments).set({ stepClaimedAt: sql`now()` }).where(eq(payments.id, payment.id));
    return payment.id;
  });
  if (claim) {
    const done = await finishStep(claim, "capture").catch((error: unknown) => {
      console.error(`retried capture of payment ${claim} failed:`, error instanceof Error ? error.message : error);
      throw new DomainError("capture_failed", "The payment provider did not take the capture just now; nothing was taken. Try again in a moment.", {
        retry: true,
      });
    });
    if (done.status !== "captured") {
      throw new DomainError(
        "capture_failed",
        "The payment provider no longer holds this payment's authorization, so nothing could be captured. Cancel the order to put its units back on sale.",
        { providerStatus: done.status },
      );
    }
  }
  return orderView(orderId);
}
