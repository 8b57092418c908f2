import { forShoppers, getProductBySlug } from "@/lib/catalog";
import { notFound } from "@/lib/platform/errors";
import { handler, json, parseWith } from "@/lib/platform/http";
import { currentShopper } from "@/lib/accounts/identity";
import { productSlugSchema } from "@/lib/store-schemas";

export const dynamic = "force-dynamic";

/**
 * One product with its live availability for this shopper, and what other shoppers hold of it: its `options` and
 * its `variants` on sale, each with its own `available`, `held` and `nextReleaseAt`.
 */
export const GET = handler<{ slug: string }>(async (_request, { params }) => {
  const slug = parseWith(productSlugSchema, (await params).slug, () => notFound("product"));
  const shopper = await currentShopper();
  return json({ product: forShoppers(await getProductBySlug(slug, shopper?.id ?? null)) });
});
