import { getProductBySlug } from "@/lib/catalog";
import { handler, json } from "@/lib/http";

export const dynamic = "force-dynamic";

export const GET = handler<{ slug: string }>(async (_request, { params }) => {
  const { slug } = await params;
  const product = await getProductBySlug(slug);
  return json({ product });
});
