import { getCheckout } from "@/lib/checkout";
import { handler, json } from "@/lib/platform/http";
import { requireShopper } from "@/lib/accounts/identity";

export const dynamic = "force-dynamic";

/** A checkout of the current shopper (another shopper's is a 404), with expiresAt and serverTime. */
export const GET = handler<{ id: string }>(async (_request, { params }) => {
  const { id } = await params;
  const shopper = await requireShopper();
  return json({ checkout: await getCheckout(id, shopper.id) });
});
