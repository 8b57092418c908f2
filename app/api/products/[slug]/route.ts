import { getProductBySlug } from "@/lib/catalog";
import { notFound } from "@/lib/errors";
import { handler, json, parseWith } from "@/lib/http";
import { productSlugSchema } from "@/lib/store-schemas";

export const dynamic = "force-dynamic";

export const GET = handler<{ slug: string }>(async (_request, { params }) => {
  const slug = parseWith(productSlugSchema, (await params).slug, () => notFound("product"));
  const product = await getProductBySlug(slug);
  return json({ product });
});
