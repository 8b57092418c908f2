import { authoriseAdminRequest } from "@/lib/admin/access";
import { salesToday } from "@/lib/admin/sales";
import { handler, json } from "@/lib/platform/http";

export const dynamic = "force-dynamic";

/**
 * Today's revenue, refunds, net and held → paid conversion, "today" being since midnight UTC of the database's
 * date; the dashboard's sales cards poll this, and scripts may too.
 */
export const GET = handler(async (request) => {
  await authoriseAdminRequest(request);
  return json(await salesToday());
});
