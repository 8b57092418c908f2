import { getCart } from "@/lib/cart";
import { handler, json } from "@/lib/platform/http";
import { currentShopper } from "@/lib/accounts/identity";

export const dynamic = "force-dynamic";

/** The current shopper's cart; a visitor with no identity yet has an empty one. */
export const GET = handler(async () => {
  const shopper = await currentShopper();
  return json({ cart: await getCart(shopper?.id ?? null) });
});
