import { z } from "zod";
import { orderStatuses } from "@/db/schema";
import { authoriseAdminRequest } from "@/lib/admin/access";
import { handler, json, parseWith } from "@/lib/platform/http";
import { searchTermSchema } from "@/lib/store-schemas";
import { listOrdersPage } from "@/lib/orders";

export const dynamic = "force-dynamic";

const querySchema = z.object({
  status: z.enum(orderStatuses).optional(),
  q: searchTermSchema.optional(),
  cursor: z.string().max(1000).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

/**
 * Orders, newest first (500 unless `limit` says fewer); `?status=paid` for those still to ship, `q` for an email
 * or order number, `cursor` (a `nextCursor` of an earlier answer) for the next page.
 */
export const GET = handler(async (request) => {
  await authoriseAdminRequest(request);
  const filter = parseWith(querySchema, Object.fromEntries(request.nextUrl.searchParams));
  const page = await listOrdersPage({ ...filter, limit: filter.limit ?? 500 });
  return json({ orders: page.rows, nextCursor: page.nextCursor, prevCursor: page.prevCursor });
});
