import { z } from "zod";
import { authoriseAdminRequest } from "@/lib/admin/access";
import { listMovementsPage } from "@/lib/admin/ledger";
import { getProductChoice } from "@/lib/admin/products";
import { handler, json, parseWith } from "@/lib/platform/http";

export const dynamic = "force-dynamic";

const querySchema = z.object({
  productId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  cursor: z.string().max(1000).optional(),
});

/**
 * The stock ledger, newest first: one product's (`?productId=`, 404 if unknown) or every product's; `cursor` (a
 * `nextCursor` of an earlier answer) for older movements.
 */
export const GET = handler(async (request) => {
  await authoriseAdminRequest(request);
  const filter = parseWith(querySchema, Object.fromEntries(request.nextUrl.searchParams));
  if (filter.productId) await getProductChoice(filter.productId);
  return json(await listMovementsPage(filter));
});
