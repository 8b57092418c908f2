import { z } from "zod";
import { authoriseAdminRequest } from "@/lib/admin/access";
import { notFound } from "@/lib/platform/errors";
import { handler, json, parseJsonBody, parseWith } from "@/lib/platform/http";
import { productChangesSchema, updateProduct } from "@/lib/admin/products";

export const dynamic = "force-dynamic";

/**
 * Edits a product: any of `{ name, priceCents, description, imageUrl (null clears it), archived }`.
 * `archived: true` takes it off sale (its stock history is kept); `false` puts it back.
 */
export const PATCH = handler<{ productId: string }>(async (request, { params }) => {
  await authoriseAdminRequest(request);
  const productId = parseWith(z.uuid(), (await params).productId, () => notFound("product"));
  const changes = await parseJsonBody(request, productChangesSchema);
  return json({ product: await updateProduct(productId, changes) });
});
