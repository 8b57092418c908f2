"use server";
/**
 * Checkout page actions: pay and cancel. Each finds the shopper itself; lib/checkout answers "not found"
 * for a checkout that is not theirs.
 */
import { refresh } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { shopperAction } from "@/lib/platform/action-state";
import { cancelCheckout, confirmPayment, payWithDetails, type PayResult } from "@/lib/checkout";
import { requireShopper } from "@/lib/accounts/identity";
import { checkoutDetailsSchema, idempotencyKeySchema, payRequestSchema, toActivityInput } from "@/lib/store-schemas";

const checkoutIdSchema = z.object({ checkoutId: z.string().min(1).max(100) });

/** The pay form: which checkout, the attempt's key, the card, and the details typed beside it. */
const payFormSchema = z.intersection(checkoutIdSchema.extend({ idempotencyKey: idempotencyKeySchema }), payRequestSchema);

/** Fields a refused form may show again: the details typed, never the card number or payment method. */
const detailFields = checkoutDetailsSchema.keyof().options;

/**
 * "Pay". The idempotency key names the checkout itself (a checkout is paid at most once, and a declined one is
 * over), so a double click, a resubmitted form or a retry after an error is the same attempt and can only ever
 * make one order. The details in the form are saved first and, when the shop ships goods, must name where the
 * order goes (lib/checkout `payWithDetails`). When the provider answers later, the page shows "Confirming your
 * payment…" and moves on by itself.
 */
export const payAction = shopperAction(
  {
    schema: payFormSchema,
    shopper: requireShopper,
    keep: detailFields,
    hidden: { idempotencyKey: "This payment form is out of date. Reload the page and try again." },
  },
  async (input, shopper, { values }) => {
    let orderId: string;
    try {
      const result = await payWithDetails(
        {
          checkoutId: input.checkoutId,
          shopperId: shopper.id,
          cardNumber: input.cardNumber,
          paymentMethod: input.paymentMethod,
          idempotencyKey: input.idempotencyKey,
          acceptTotalCents: input.acceptTotalCents,
        },
        toActivityInput({
          email: input.email,
          name: input.name,
          address: input.address,
          city: input.city,
          postcode: input.postcode,
          country: input.country,
        }),
        "required",
      );
      if (result.kind === "pending") {
        refresh();
        return pendingState(result, values);
      }
      orderId = result.order.id;
    } catch (error) {
      // A refused payment may have ended the checkout (declined, expired): the page shows where it stands.
      refresh();
      throw error;
    }
    refresh();
    redirect(`/orders/${orderId}`);
  },
);

/** A payment still with the provider: "Confirming…", and what the browser must do for the bank, if anything. */
function pendingState(result: Extract<PayResult, { kind: "pending" }>, values?: Record<string, string>) {
  return {
    ok: true,
    code: "payment_pending",
    message: "Confirming your payment…",
    values,
    ...(result.nextAction ? { nextAction: result.nextAction } : {}),
  };
}

/**
 * Called by the page once the shopper's bank answered in the browser (3-D Secure): the shop asks the provider and
 * settles the payment (lib/checkout `confirmPayment`), then shows the order, or the decline.
 */
export const confirmPaymentAction = shopperAction({ schema: checkoutIdSchema, shopper: requireShopper }, async ({ checkoutId }, shopper) => {
  let orderId: string;
  try {
    const result = await confirmPayment({ checkoutId, shopperId: shopper.id });
    if (result.kind === "pending") {
      refresh();
      return pendingState(result);
    }
    orderId = result.order.id;
  } catch (error) {
    refresh();
    throw error;
  }
  refresh();
  redirect(`/orders/${orderId}`);
});

/** "Cancel checkout": releases the hold at once. The cart is unchanged. */
export const cancelCheckoutAction = shopperAction(
  { schema: checkoutIdSchema, shopper: requireShopper },
  async ({ checkoutId }, shopper) => {
    const checkout = await cancelCheckout(checkoutId, shopper.id);
    refresh();
    return {
      ok: true,
      code: checkout.status,
      message:
        checkout.status === "cancelled"
          ? "Checkout cancelled. The items are back on the shelf; your cart is unchanged."
          : "This checkout had already ended.",
    };
  },
);
