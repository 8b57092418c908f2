import { cancelCheckout } from "@/lib/checkout";
import { handler, json } from "@/lib/platform/http";
import { requireShopper } from "@/lib/accounts/identity";

/** Cancels the checkout and releases its hold at once (409 once it has been paid). */
export const POST = handler<{ id: string }>(async (_request, { params }) => {
  const { id } = await params;
  const shopper = await requireShopper();
  return json({ checkout: await cancelCheckout(id, shopper.id) });
});
