import { z } from "zod";
import { authoriseAdminRequest, variantChangesSchema } from "@/lib/admin/access";
import { updateVariant } from "@/lib/catalog/products";
import { notFound } from "@/lib/platform/errors";
import { shopPagesChanged } from "@/lib/catalog/page-cache";
import { handler, json, parseJsonBody, parseWith } from "@/lib/platform/http";

export const dynamic = "force-dynamic";

/**
 * Changes a variant: any of `{ sku, priceCents, retired }` (a retired variant is no longer sold; its history
 * stays). Unknown fields are 400; a variant of another product is 404; a taken SKU is 409.
 */
export const PATCH = handler<{ productId: string; variantId: string }>(async (request, { params }) => {
  await authoriseAdminRequest(request);
  const ids = await params;
  const productId = parseWith(z.uuid(), ids.productId, () => notFound("product"));
  const variantId = parseWith(z.uuid(), ids.variantId, () => notFound("variant"));
  const changes = await parseJsonBody(request, variantChangesSchema);
  const variant = await updateVariant(productId, variantId, changes);
  shopPagesChanged();
  return json({ variant });
});
