import { authoriseAdminRequest } from "@/lib/admin";
import { stockOverview } from "@/lib/admin-queries";
import { handler, json } from "@/lib/http";

export const dynamic = "force-dynamic";

/** Every product's on hand, reserved, allocated and available, with totals; the dashboard polls this. */
export const GET = handler(async (request) => {
  await authoriseAdminRequest(request);
  return json(await stockOverview());
});
