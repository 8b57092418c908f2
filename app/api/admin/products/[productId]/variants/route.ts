import { z } from "zod";
import { authoriseAdminRequest, newVariantSchema } from "@/lib/admin/access";
import { addVariant } from "@/lib/catalog/products";
import { notFound } from "@/lib/platform/errors";
import { shopPagesChanged } from "@/lib/catalog/page-cache";
import { handler, json, parseJsonBody, parseWith } from "@/lib/platform/http";

export const dynamic = "force-dynamic";

/**
 * Adds a variant `{ sku, options, priceCents?, onHand? }` to a product (price: the product's unless given). Its
 * option values must be the product's (400); a taken SKU or option combination is 409.
 */
export const POST = handler<{ productId: string }>(async (request, { params }) => {
  const admin = await authoriseAdminRequest(request);
  const productId = parseWith(z.uuid(), (await params).productId, () => notFound("product"));
  const variant = await parseJsonBody(request, newVariantSchema);
  const added = await addVariant(productId, variant, admin.actorId);
  shopPagesChanged();
  return json({ variant: added }, 201);
});
