/**
 * After the shopper's bank answered in the browser (Stripe: 3-D Secure through Stripe.js `handleNextAction`), the
 * page says so and the shop asks the provider where the payment stands, settling it through the one settle path
 * (lib/checkout/pay.ts `settleAndFinish`): authorized → the order and one capture; refused → declined and the hold
 * released. The browser's word is never taken for the outcome, only as the cue to ask; a shopper who closes the tab
 * instead is settled by the provider's webhook or the recovery sweep, whichever comes first, exactly once.
 * The one function behind the checkout page's confirm action and POST /api/checkout/{id}/pay/confirm.
 */
import "server-only";
import { and, desc, eq } from "drizzle-orm";
import { db } from "@/db/client";
import { payments } from "@/db/schema";
import { DomainError, notFound } from "../platform/errors";
import { isUuid } from "../platform/ids";
import { paymentProvider } from "../payments";
import type { PaymentNextAction } from "../payments/provider";
import { answerFor, pendingActionOf, providerKey, settleAndFinish, type PayResult } from "./pay";
import { getCheckout, type CheckoutView } from "./view";

/**
 * Settles the checkout's payment from the provider's current state and answers as paying does: the order (paid),
 * the checkout still `paying` (with what the shopper must still do, if anything), 402 when the bank refused (the
 * hold released), 409 when it was paid after the stock had gone; 404 for another shopper's checkout.
 */
export async function confirmPayment(request: { checkoutId: string; shopperId: string }): Promise<PayResult> {
  if (!isUuid(request.checkoutId)) throw notFound("checkout");
  // Ownership first: another shopper's checkout does not exist for this one.
  await getCheckout(request.checkoutId, request.shopperId);
  const [payment] = await db
    .select({ id: payments.id, status: payments.status })
    .from(payments)
    .where(eq(payments.checkoutId, request.checkoutId))
    .orderBy(desc(payments.createdAt))
    .limit(1);
  if (!payment) throw new DomainError("conflict", "This checkout has no payment to confirm. Pay first.");
  if (payment.status === "processing") {
    // No transaction is open here: the provider is asked, then its answer settled in settlePayment's own.
    const answer = await paymentProvider().lookup(providerKey(payment.id));
    if (answer) {
      await settleAndFinish(payment.id, answer, { stepFailure: "log" });
      return answerFor(request, payment.id, { nextAction: answer.status === "processing" ? (answer.nextAction ?? null) : null });
    }
  }
  return answerFor(request, payment.id);
}

/** What a `paying` checkout (its shopper's, already found) still waits for the shopper to do, if anything. */
export async function pendingNextAction(checkout: CheckoutView): Promise<PaymentNextAction | null> {
  if (checkout.status !== "paying") return null;
  const [payment] = await db
    .select()
    .from(payments)
    .where(and(eq(payments.checkoutId, checkout.id), eq(payments.status, "processing")));
  return payment ? pendingActionOf(payment) : null;
}
