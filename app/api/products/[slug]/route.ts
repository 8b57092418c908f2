import { getProductBySlug } from "@/lib/catalog";
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
  const { variants, ...product } = await getProductBySlug(slug, shopper?.id ?? null);
  // Only variants on sale are listed here, so whether one is retired says nothing.
  return json({ product: { ...product, variants: variants.map(({ retired: _retired, ...variant }) => variant) } });
});
