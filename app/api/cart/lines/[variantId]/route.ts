import { setCartLineQuantity } from "@/lib/cart";
import { handler, json, parseJsonBody, parseWith } from "@/lib/platform/http";
import { currentOrNewShopper } from "@/lib/accounts/identity";
import { lineKeyParamSchema, setCartLineSchema } from "@/lib/store-schemas";

/**
 * Sets a cart line's quantity; 0 removes the line. The line is named by its variant's id, or by the id of a product
 * sold as one variant.
 */
export const PUT = handler<{ variantId: string }>(async (request, { params }) => {
  const { variantId } = parseWith(lineKeyParamSchema, await params);
  const { quantity } = await parseJsonBody(request, setCartLineSchema);
  const shopper = await currentOrNewShopper();
  return json({ cart: await setCartLineQuantity(shopper.id, variantId, quantity) });
});
