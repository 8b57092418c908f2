"use server";
/**
 * Checkout page actions: pay and cancel. Each finds the shopper itself; lib/checkout answers "not found"
 * for a checkout that is not theirs.
 */
import { refresh } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { fieldErrorsOf, formStateOf, type FormState } from "@/lib/platform/action-state";
import { cancelCheckout, payWithDetails } from "@/lib/checkout";
import { requireShopper } from "@/lib/accounts/identity";
import { checkoutDetailsSchema, formFields, idempotencyKeySchema, payBodySchema, toActivityInput } from "@/lib/store-schemas";

const checkoutIdSchema = z.object({ checkoutId: z.string().min(1).max(100) });

/** Fields a refused form may show again: never the card number or payment method. */
function keptValues(fields: Record<string, string>): Record<string, string> {
  const { cardNumber: _cardNumber, paymentMethod: _paymentMethod, idempotencyKey: _key, checkoutId: _id, acceptTotalCents: _accepted, ...rest } = fields;
  return rest;
}

/**
 * "Pay". The idempotency key names the checkout itself (a checkout is paid at most once, and a declined one is
 * over), so a double click, a resubmitted form or a retry after an error is the same attempt and can only ever
 * make one order. The details in the form are saved first and, when the shop ships goods, must name where the
 * order goes (lib/checkout `payWithDetails`). When the provider answers later, the page shows "Confirming your
 * payment…" and moves on by itself.
 */
export async function payAction(_previous: FormState | null, formData: FormData): Promise<FormState> {
  const fields = formFields(formData);
  const values = keptValues(fields);
  const target = checkoutIdSchema.safeParse(fields);
  if (!target.success) return fieldErrorsOf(target.error, values);
  const key = idempotencyKeySchema.safeParse(fields.idempotencyKey);
  if (!key.success) return { ok: false, message: "This payment form is out of date. Reload the page and try again.", values };
  const card = payBodySchema.safeParse(fields);
  const details = checkoutDetailsSchema.safeParse(fields);
  if (!card.success) return fieldErrorsOf(card.error, values);
  if (!details.success) return fieldErrorsOf(details.error, values);

  let orderId: string;
  try {
    const shopper = await requireShopper();
    const result = await payWithDetails(
      {
        checkoutId: target.data.checkoutId,
        shopperId: shopper.id,
        cardNumber: card.data.cardNumber,
        paymentMethod: card.data.paymentMethod,
        idempotencyKey: key.data,
        acceptTotalCents: card.data.acceptTotalCents,
      },
      toActivityInput(details.data),
      "required",
    );
    if (result.kind === "pending") {
      refresh();
      return { ok: true, code: "payment_pending", message: "Confirming your payment…", values };
    }
    orderId = result.order.id;
  } catch (error) {
    refresh();
    return formStateOf(error, { values });
  }
  refresh();
  redirect(`/orders/${orderId}`);
}

/** "Cancel checkout": releases the hold at once. The cart is unchanged. */
export async function cancelCheckoutAction(_previous: FormState | null, formData: FormData): Promise<FormState> {
  const target = checkoutIdSchema.safeParse(formFields(formData));
  if (!target.success) return fieldErrorsOf(target.error);
  try {
    const shopper = await requireShopper();
    const checkout = await cancelCheckout(target.data.checkoutId, shopper.id);
    refresh();
    return {
      ok: true,
      code: checkout.status,
      message:
        checkout.status === "cancelled"
          ? "Checkout cancelled. The items are back on the shelf; your cart is unchanged."
          : "This checkout had already ended.",
    };
  } catch (error) {
    return formStateOf(error);
  }
}
