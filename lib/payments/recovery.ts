/**
 * The recovery sweep: payments left `processing` or `authorized` (the app was killed, the provider timed out, a
 * webhook never came) are settled by asking the provider what became of each, and finishing exactly as the pay
 * request would have: an order, or the hold released and nothing charged. Runs with the expiry job (cron and
 * the in-process sweep); safe to run on many servers at once (settling takes the payment's row lock, and a
 * settled payment is never settled again). Refunds left `processing` (lib/orders/refunds.ts) are settled the same
 * way: the provider is asked what became of the refund's key, and the refund made under it if it never saw one.
 */
import "server-only";
import { and, asc, eq, inArray, lte, sql } from "drizzle-orm";
import { db } from "@/db/client";
import { checkouts, payments } from "@/db/schema";
import { env } from "../platform/env";
import { lockCheckout } from "../checkout/checkout";
import { paymentProvider } from "./index";
import { failCheckout, providerKey, settleAndFinish } from "../checkout/pay";
import { recoverRefunds } from "../orders/refunds";

/** Settles payments with no answer for PAYMENT_RECOVERY_AFTER_SECONDS. Returns how many it settled. */
export async function recoverPayments(options: { limit?: number } = {}): Promise<number> {
  const due = await db
    .select({ id: payments.id, windowEnded: sql<boolean>`${checkouts.expiresAt} <= now()` })
    .from(payments)
    .innerJoin(checkouts, eq(checkouts.id, payments.checkoutId))
    .where(
      and(
        inArray(payments.status, ["processing", "authorized"]),
        lte(payments.updatedAt, sql`now() - make_interval(secs => ${env.PAYMENT_RECOVERY_AFTER_SECONDS})`),
      ),
    )
    .orderBy(asc(payments.updatedAt))
    .limit(options.limit ?? 100);
  let settled = 0;
  for (const payment of due) {
    try {
      settled += (await recoverPayment(payment.id, payment.windowEnded)) ? 1 : 0;
    } catch (error) {
      console.error(`payment recovery of ${payment.id} failed:`, error instanceof Error ? error.message : error);
    }
  }
  return settled + (await recoverRefunds(options));
}

async function recoverPayment(paymentId: string, windowEnded: boolean): Promise<boolean> {
  const provider = paymentProvider();
  const key = providerKey(paymentId);
  const answer = await provider.lookup(key);
  if (!answer) return failUnseen(paymentId);
  if (answer.status === "processing" && windowEnded) {
    // The bank did not confirm within the payment window: the authorization is given back and the hold ends.
    const [p] = await db.select({ reference: payments.providerReference }).from(payments).where(eq(payments.id, paymentId));
    await settleAndFinish(paymentId, await provider.void({ idempotencyKey: key, reference: p?.reference ?? answer.reference }));
    return true;
  }
  await settleAndFinish(paymentId, answer);
  return answer.status !== "processing";
}

/** The provider never saw this payment: nothing was charged. The payment fails and the hold is released. */
async function failUnseen(paymentId: string): Promise<boolean> {
  const [found] = await db
    .select({ checkoutId: payments.checkoutId, shopperId: payments.shopperId })
    .from(payments)
    .where(eq(payments.id, paymentId));
  if (!found) return false;
  return db.transaction(async (tx) => {
    const checkout = await lockCheckout(tx, found.checkoutId, found.shopperId);
    const [failed] = await tx
      .update(payments)
      .set({ status: "failed", updatedAt: sql`now()`, settledAt: sql`now()` })
      .where(and(eq(payments.id, paymentId), eq(payments.status, "processing")))
      .returning({ id: payments.id });
    if (!failed) return false;
    await failCheckout(tx, checkout, "payment never reached the provider");
    return true;
  });
}
