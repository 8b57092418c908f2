import { recordCheckoutActivity } from "@/lib/checkout";
import { handler, json, parseJsonBody } from "@/lib/platform/http";
import { requireShopper } from "@/lib/accounts/identity";
import { checkoutDetailsSchema, toActivityInput } from "@/lib/store-schemas";

/** The shopper is working on the checkout: the hold's expiry slides out (410 once it has lapsed). */
export const POST = handler<{ id: string }>(async (request, { params }) => {
  const { id } = await params;
  const details = await parseJsonBody(request, checkoutDetailsSchema);
  const shopper = await requireShopper();
  return json({ checkout: await recordCheckoutActivity(id, shopper.id, toActivityInput(details)) });
});
