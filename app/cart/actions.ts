"use server";
/**
 * Cart and checkout-start actions. Public POST endpoints like any route handler: each validates its input,
 * finds the shopper itself and only ever touches that shopper's cart. None of them touches stock except
 * startCheckoutAction, through lib/checkout.
 */
import { refresh } from "next/cache";
import { z } from "zod";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { formStateOf, shopperAction } from "@/lib/platform/action-state";
import { clientAddress } from "@/lib/platform/http";
import { DomainError } from "@/lib/platform/errors";
import { addToCart, describeAdjustments, fitCartToStock, getCart, setCartLineQuantity } from "@/lib/cart";
import { getCheckout, joinTheLine, leaveLine, startCheckout } from "@/lib/checkout";
import { lineName } from "@/lib/catalog/variants";
import { currentOrNewShopper, currentShopper } from "@/lib/accounts/identity";
import {
  addToCartFormSchema,
  joinLineSchema,
  lineKeyFormSchema,
  setCartLineFormSchema,
  startCheckoutSchema,
} from "@/lib/store-schemas";

/** The shopper whose cart an action changes: without an identity there is no cart to change. */
async function cartOwner() {
  const shopper = await currentShopper();
  if (!shopper) throw new DomainError("empty_cart", "Your cart is empty.");
  return shopper;
}

/** Adds a product page's chosen variant (`variantId` beside `productId`; a product sold as one needs none). */
export const addToCartAction = shopperAction(
  { schema: addToCartFormSchema, shopper: currentOrNewShopper },
  async ({ productId, variantId, quantity }, shopper) => {
    try {
      const cart = await addToCart(shopper.id, { productId, variantId }, quantity);
      const line = cart.lines.find((l) => (variantId ? l.variantId === variantId : l.productId === productId));
      refresh();
      return {
        ok: true,
        message: line ? `Added. You have ${line.quantity} of ${lineName(line.name, line.options)} in your cart.` : "Added to your cart.",
      };
    } catch (error) {
      const state = formStateOf(error);
      // A card's button for a product sold in several variants: say so in the shop's words, not the API's.
      if (state.code === "variant_required") state.message = "This comes in several options: choose one on its page.";
      return state;
    }
  },
);

/** Sets a line's quantity (0 removes it). Used by the cart page's quantity and remove buttons. */
export const setCartLineAction = shopperAction(
  // The line's variant (`variantId`), or a product sold as one variant (`productId`).
  { schema: setCartLineFormSchema.and(lineKeyFormSchema), shopper: cartOwner, keep: "all" },
  async ({ lineKey, quantity }, shopper) => {
    await setCartLineQuantity(shopper.id, lineKey, quantity);
    refresh();
    return { ok: true, message: quantity === 0 ? "Removed from your cart." : "Quantity updated." };
  },
);

/** "Adjust cart to available stock": every line down to what can be held now. */
export const fitCartToStockAction = shopperAction({ shopper: cartOwner }, async (_input, shopper) => {
  const { adjustments } = await fitCartToStock(shopper.id);
  refresh();
  const changed = describeAdjustments(adjustments);
  return {
    ok: true,
    message: changed ? `${changed}.` : "Nothing to change: everything in your cart is available.",
  };
});

/**
 * "Checkout": holds the cart (lib/checkout startCheckout) and goes to the checkout page. Guests give an
 * email here. A shortage comes back as form state naming each short line and what is left of it.
 */
export const startCheckoutAction = shopperAction(
  { schema: startCheckoutSchema, shopper: cartOwner, keep: "all" },
  async (input, shopper, { values }) => {
    let checkoutId: string;
    try {
      const previous = input.previousCheckoutId
        ? await getCheckout(input.previousCheckoutId, shopper.id).catch(() => null)
        : null;
      const { checkout } = await startCheckout(shopper, {
        email: input.email ?? previous?.email,
        details: previous?.details,
        clientAddress: clientAddress(await headers()),
      });
      checkoutId = checkout.id;
    } catch (error) {
      // A shortage names each short line by its variant ("Trail Shirt — M"); the cart knows names lib/checkout could not give.
      const cart = await getCart(shopper.id).catch(() => null);
      const names = new Map(cart?.lines.map((l) => [l.variantId, lineName(l.name, l.options)]));
      refresh();
      return formStateOf(error, { values, names });
    }
    redirect(`/checkout/${checkoutId}`);
  },
);

/**
 * "Join the line": after a refused start, the shopper waits for the cart's contended units instead of refreshing
 * (lib/checkout joinTheLine). A guest's email is the one the refused start was given: the offer is sent there.
 */
export const joinLineAction = shopperAction({ schema: joinLineSchema, shopper: cartOwner, keep: ["email"] }, async ({ email }, shopper) => {
  const { ticket } = await joinTheLine(shopper, { email });
  redirect(`/line/${ticket.id}`);
});

const ticketFormSchema = z.object({ ticketId: z.uuid() });

/** "Leave the line": the ticket ends at once (an offer not yet paid is given up, and its units go on). */
export const leaveLineAction = shopperAction(
  { schema: ticketFormSchema, shopper: cartOwner, hidden: { ticketId: "This page is out of date. Reload it and try again." } },
  async ({ ticketId }, shopper) => {
    await leaveLine(shopper.id, ticketId);
    refresh();
    return { ok: true, code: "left", message: "You left the line. Your cart is unchanged." };
  },
);
