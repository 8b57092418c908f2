import { z } from "zod";
import { reservationStatuses } from "@/db/schema";
import { authoriseAdminRequest } from "@/lib/admin/access";
import { listReservations } from "@/lib/admin/holds";
import { handler, json, parseWith } from "@/lib/platform/http";
import { searchTermSchema } from "@/lib/store-schemas";

export const dynamic = "force-dynamic";

const querySchema = z.object({
  status: z.enum(reservationStatuses).optional(),
  productId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  q: searchTermSchema.optional(),
  cursor: z.string().max(1000).optional(),
});

/**
 * Holds with their shoppers and the location each draws on; `?status=active` for the live ones, soonest to expire
 * first. Optional `q` (product name, SKU, location name or shopper email) and `cursor` (a `nextCursor` of an
 * earlier answer) page through many.
 */
export const GET = handler(async (request) => {
  await authoriseAdminRequest(request);
  const filter = parseWith(querySchema, Object.fromEntries(request.nextUrl.searchParams));
  return json(await listReservations(filter));
});
