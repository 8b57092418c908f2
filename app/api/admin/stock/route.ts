import { z } from "zod";
import { authoriseAdminRequest } from "@/lib/admin/access";
import { MAX_STOCK_PAGE, stockFilters, stockOverview } from "@/lib/admin/stock";
import { handler, json, parseWith } from "@/lib/platform/http";
import { searchTermSchema } from "@/lib/store-schemas";

export const dynamic = "force-dynamic";

const emptyIsMissing = (value: unknown) => (value === "" ? undefined : value);

/** Optional: a page (by name) instead of every product. Without any of these the answer lists every product. */
const querySchema = z.object({
  q: z.preprocess(emptyIsMissing, searchTermSchema.optional()),
  filter: z.preprocess(emptyIsMissing, z.enum(stockFilters).optional()),
  cursor: z.preprocess(emptyIsMissing, z.string().max(1000).optional()),
  limit: z.preprocess(
    emptyIsMissing,
    z.string().regex(/^\d{1,4}$/, `limit is a whole number from 1 to ${MAX_STOCK_PAGE}.`).transform(Number)
      .pipe(z.number().int().min(1).max(MAX_STOCK_PAGE)).optional(),
  ),
});

/**
 * Products' on hand, reserved, allocated and available, with the whole shop's totals; the dashboard polls this
 * for the page it shows (`?q=&filter=low|sold_out|held|all&cursor=&limit=`).
 */
export const GET = handler(async (request) => {
  await authoriseAdminRequest(request);
  const query = parseWith(querySchema, Object.fromEntries(request.nextUrl.searchParams));
  const paged = Object.values(query).some((value) => value !== undefined);
  return json(await stockOverview(paged ? query : undefined));
});
