import { setCartLineQuantity } from "@/lib/cart";
import { handler, json, parseJsonBody, parseWith } from "@/lib/platform/http";
import { currentOrNewShopper } from "@/lib/accounts/identity";
import { productIdParamSchema, setCartLineSchema } from "@/lib/store-schemas";

/** Sets a cart line's quantity; 0 removes the line. */
export const PUT = handler<{ productId: string }>(async (request, { params }) => {
  const { productId } = parseWith(productIdParamSchema, await params);
  const { quantity } = await parseJsonBody(request, setCartLineSchema);
  const shopper = await currentOrNewShopper();
  return json({ cart: await setCartLineQuantity(shopper.id, productId, quantity) });
});
