import { leaveLine } from "@/lib/checkout";
import { handler, json } from "@/lib/platform/http";
import { requireShopper } from "@/lib/accounts/identity";

/** Leaves the line (an offer not yet paid is given up, and passes on). */
export const POST = handler<{ id: string }>(async (_request, { params }) => {
  const { id } = await params;
  const shopper = await requireShopper();
  return json({ ticket: await leaveLine(shopper.id, id) });
});
