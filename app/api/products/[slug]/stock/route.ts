import { forShoppers } from "@/lib/catalog";
import { sharedProductStock } from "@/lib/catalog/shared-stock";
import { notFound } from "@/lib/platform/errors";
import { handler, json, parseWith } from "@/lib/platform/http";
import { productSlugSchema } from "@/lib/store-schemas";

export const dynamic = "force-dynamic";

/**
 * The product page's poll for shoppers who hold nothing: `GET /api/products/{slug}` as every such shopper sees it
 * (the same `{ product }`, for no one in particular), read at most twice a second per product on this server
 * (lib/catalog/shared-stock.ts), so a drop's crowd refreshing the page costs the database almost nothing. A shopper
 * with a live hold polls `GET /api/products/{slug}`, where their own hold counts as theirs.
 */
export const GET = handler<{ slug: string }>(async (_request, { params }) => {
  const slug = parseWith(productSlugSchema, (await params).slug, () => notFound("product"));
  return json({ product: forShoppers(await sharedProductStock(slug)) }, 200, { "Cache-Control": "no-store" });
});
