import { listProducts } from "@/lib/catalog";
import { handler, json, parseWith } from "@/lib/platform/http";
import { currentShopper } from "@/lib/accounts/identity";
import { productListQuerySchema } from "@/lib/store-schemas";

export const dynamic = "force-dynamic";

/**
 * One page of the catalogue with live availability: `?q=&sort=&inStock=&cursor=&limit=` (all optional; at most
 * 100 per page, 100 by default). `nextCursor` is null on the last page.
 */
export const GET = handler(async (request) => {
  const params = request.nextUrl.searchParams;
  // A repeated parameter is ambiguous: refused rather than guessed.
  const single = Object.fromEntries([...new Set(params.keys())].map((key) => [key, params.getAll(key).length > 1 ? [] : params.get(key)]));
  const query = parseWith(productListQuerySchema, single);
  const shopper = await currentShopper();
  const page = await listProducts({ ...query, viewerId: shopper?.id ?? null });
  return json({ products: page.products, nextCursor: page.nextCursor, prevCursor: page.prevCursor });
});
