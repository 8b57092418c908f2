import { startCheckout } from "@/lib/checkout";
import { DomainError } from "@/lib/platform/errors";
import { clientAddress, handler, json, parseJsonBody } from "@/lib/platform/http";
import { currentShopper } from "@/lib/accounts/identity";
import { startCheckoutSchema } from "@/lib/store-schemas";

/**
 * Holds the cart: 201 with a new checkout, or 200 with this shopper's active checkout for the same cart.
 * A visitor with no identity has no cart, so there is nothing to hold.
 */
export const POST = handler(async (request) => {
  const { email } = await parseJsonBody(request, startCheckoutSchema);
  const shopper = await currentShopper();
  if (!shopper) throw new DomainError("empty_cart", "Your cart is empty.");
  const { checkout, created } = await startCheckout(shopper, { email, clientAddress: clientAddress(request) });
  return json({ checkout }, created ? 201 : 200);
});
