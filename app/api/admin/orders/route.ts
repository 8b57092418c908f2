import { z } from "zod";
import { orderStatuses } from "@/db/schema";
import { authoriseAdminRequest } from "@/lib/admin";
import { handler, json, parseWith } from "@/lib/http";
import { listAllOrders } from "@/lib/orders";

export const dynamic = "force-dynamic";

const querySchema = z.object({ status: z.enum(orderStatuses).optional() });

/** Every order, newest first; `?status=paid` for those still to ship. */
export const GET = handler(async (request) => {
  await authoriseAdminRequest(request);
  const filter = parseWith(querySchema, Object.fromEntries(request.nextUrl.searchParams));
  return json({ orders: await listAllOrders(filter) });
});
