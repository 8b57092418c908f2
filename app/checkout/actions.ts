"use server";
/**
 * Checkout page actions: pay and cancel. Each finds the shopper itself; lib/checkout.ts answers "not found"
 * for a checkout that is not theirs.
 */
import { refresh } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { fieldErrorsOf, formStateOf, type FormState } from "@/lib/action-state";
import { cancelCheckout, payForCheckout, recordCheckoutActivity } from "@/lib/checkout";
import { DomainError } from "@/lib/errors";
import { requireShopper } from "@/lib/identity";
import { measurePayment } from "@/lib/metrics";
import { checkoutDetailsSchema, formFields, idempotencyKeySchema, payBodySchema, toActivityInput } from "@/lib/store-schemas";

const endedCodes = new Set<string>(["checkout_expired", "checkout_completed", "checkout_closed"]);

const checkoutIdSchema = z.object({ checkoutId: z.string().min(1).max(100) });

/** Fields a refused form may show again: never the card number. */
function keptValues(fields: Record<string, string>): Record<string, string> {
  const { cardNumber: _cardNumber, idempotencyKey: _key, checkoutId: _id, ...rest } = fields;
  return rest;
}

/**
 * "Pay". The idempotency key was made when the page rendered, so a double click or a resubmitted form is the
 * same attempt and can only ever make one order. Details typed since the last autosave are saved first.
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
    const activity = toActivityInput(details.data);
    if (activity.email || activity.details) {
      try {
        await recordCheckoutActivity(target.data.checkoutId, shopper.id, activity);
      } catch (error) {
        // An ended or lapsed checkout is payForCheckout's to judge: it replays a paid attempt, and renews a
        // lapsed hold when the stock is still there.
        if (!(error instanceof DomainError) || !endedCodes.has(error.code)) throw error;
      }
    }
    const order = await measurePayment(() =>
      payForCheckout({
        checkoutId: target.data.checkoutId,
        shopperId: shopper.id,
        cardNumber: card.data.cardNumber,
        idempotencyKey: key.data,
      }),
    );
    orderId = order.id;
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
