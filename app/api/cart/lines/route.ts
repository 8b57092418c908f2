import { addToCart } from "@/lib/cart";
import { handler, json, parseJsonBody } from "@/lib/platform/http";
import { currentOrNewShopper } from "@/lib/accounts/identity";
import { addToCartSchema } from "@/lib/store-schemas";

/**
 * Adds to a cart line: `{ variantId, quantity }`, or `{ productId, quantity }` for a product sold as one variant.
 * The first cart write of a visitor makes their guest identity (a signed cookie).
 */
export const POST = handler(async (request) => {
  const { productId, variantId, quantity } = await parseJsonBody(request, addToCartSchema);
  const shopper = await currentOrNewShopper();
  return json({ cart: await addToCart(shopper.id, { productId, variantId }, quantity) });
});
