import { z } from "zod";
import { authoriseAdminRequest } from "@/lib/admin/access";
import { notFound } from "@/lib/platform/errors";
import { shopPagesChanged } from "@/lib/catalog/page-cache";
import { handler, json, parseJsonBody, parseWith } from "@/lib/platform/http";
import { productChangesSchema, updateProduct } from "@/lib/admin/products";

export const dynamic = "force-dynamic";

/**
 * Edits a product: any of `{ name, priceCents, description, imageUrl (null clears it), archived, options }`.
 * `archived: true` takes it off sale (its stock history is kept); `false` puts it back. `options` gives the
 * product's options with their values: a value may be added (for a new variant) or reordered; the options stay,
 * and a value a variant uses stays (409).
 */
export const PATCH = handler<{ productId: string }>(async (request, { params }) => {
  await authoriseAdminRequest(request);
  const productId = parseWith(z.uuid(), (await params).productId, () => notFound("product"));
  const changes = await parseJsonBody(request, productChangesSchema);
  const product = await updateProduct(productId, changes);
  shopPagesChanged();
  return json({ product });
});
