"use server";
/**
 * Cart and checkout-start actions. Public POST endpoints like any route handler: each validates its input,
 * finds the shopper itself and only ever touches that shopper's cart. None of them touches stock except
 * startCheckoutAction, through lib/checkout.
 */
import { refresh } from "next/cache";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { fieldErrorsOf, formStateOf, type FormState } from "@/lib/platform/action-state";
import { clientAddress } from "@/lib/platform/http";
import { addToCart, describeAdjustments, fitCartToStock, getCart, setCartLineQuantity } from "@/lib/cart";
import { lineName } from "@/lib/catalog/variants";
import { getCheckout, startCheckout } from "@/lib/checkout";
import { currentOrNewShopper, currentShopper } from "@/lib/accounts/identity";
import type { Shopper } from "@/lib/accounts/shoppers";
import {
  addToCartFormSchema,
  formFields,
  lineKeyFormSchema,
  setCartLineFormSchema,
  startCheckoutSchema,
} from "@/lib/store-schemas";

export async function addToCartAction(_previous: FormState | null, formData: FormData): Promise<FormState> {
  const parsed = addToCartFormSchema.safeParse(formFields(formData));
  if (!parsed.success) return fieldErrorsOf(parsed.error);
  try {
    const shopper = await currentOrNewShopper();
    const { productId, variantId, quantity } = parsed.data;
    const cart = await addToCart(shopper.id, { productId, variantId }, quantity);
    const line = cart.lines.find((l) => (variantId !== undefined ? l.variantId === variantId : l.productId === productId));
    refresh();
    return {
      ok: true,
      message: line ? `Added. You have ${line.quantity} of ${lineName(line.name, line.options)} in your cart.` : "Added to your cart.",
    };
  } catch (error) {
    return formStateOf(error);
  }
}

/** Sets a line's quantity (0 removes it). Used by the cart page's quantity and remove buttons. */
export async function setCartLineAction(_previous: FormState | null, formData: FormData): Promise<FormState> {
  const fields = formFields(formData);
  // The line's variant (`variantId`), or a product sold as one variant (`productId`).
  const id = lineKeyFormSchema.safeParse(fields);
  const quantity = setCartLineFormSchema.safeParse(fields);
  if (!id.success) return fieldErrorsOf(id.error);
  if (!quantity.success) return fieldErrorsOf(quantity.error, fields);
  try {
    const shopper = await currentShopper();
    // Without an identity there is no cart to change.
    if (!shopper) return { ok: false, message: "Your cart is empty." };
    await setCartLineQuantity(shopper.id, id.data.lineKey, quantity.data.quantity);
    refresh();
    return { ok: true, message: quantity.data.quantity === 0 ? "Removed from your cart." : "Quantity updated." };
  } catch (error) {
    return formStateOf(error, { values: fields });
  }
}

/** "Adjust cart to available stock": every line down to what can be held now. */
export async function fitCartToStockAction(_previous: FormState | null): Promise<FormState> {
  try {
    const shopper = await currentShopper();
    if (!shopper) return { ok: false, message: "Your cart is empty." };
    const { adjustments } = await fitCartToStock(shopper.id);
    refresh();
    const changed = describeAdjustments(adjustments);
    return {
      ok: true,
      message: changed ? `${changed}.` : "Nothing to change: everything in your cart is available.",
    };
  } catch (error) {
    return formStateOf(error);
  }
}

/**
 * "Checkout": holds the cart (lib/checkout startCheckout) and goes to the checkout page. Guests give an
 * email here. A shortage comes back as form state naming each short line and what is left of it.
 */
export async function startCheckoutAction(_previous: FormState | null, formData: FormData): Promise<FormState> {
  const fields = formFields(formData);
  const parsed = startCheckoutSchema.safeParse(fields);
  if (!parsed.success) return fieldErrorsOf(parsed.error, fields);
  let checkoutId: string;
  let shopper: Shopper | null = null;
  try {
    shopper = await currentShopper();
    if (!shopper) return { ok: false, code: "empty_cart", message: "Your cart is empty." };
    const previous = parsed.data.previousCheckoutId
      ? await getCheckout(parsed.data.previousCheckoutId, shopper.id).catch(() => null)
      : null;
    const { checkout } = await startCheckout(shopper, {
      email: parsed.data.email ?? previous?.email,
      details: previous?.details,
      clientAddress: clientAddress(await headers()),
    });
    checkoutId = checkout.id;
  } catch (error) {
    const cart = shopper ? await getCart(shopper.id).catch(() => null) : null;
    const names = new Map(cart?.lines.map((l) => [l.productId, l.name]));
    refresh();
    return formStateOf(error, { values: fields, names });
  }
  redirect(`/checkout/${checkoutId}`);
}
