import { getTicket } from "@/lib/checkout";
import { handler, json } from "@/lib/platform/http";
import { requireShopper } from "@/lib/accounts/identity";

export const dynamic = "force-dynamic";

/** The shopper's ticket: place in line and estimate while waiting, the checkout once offered (404 if not theirs). */
export const GET = handler<{ id: string }>(async (_request, { params }) => {
  const { id } = await params;
  const shopper = await requireShopper();
  return json({ ticket: await getTicket(shopper.id, id) });
});
