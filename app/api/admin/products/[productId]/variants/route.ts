import { z } from "zod";
import { authoriseAdminRequest, newVariantSchema } from "@/lib/admin/access";
import { addVariant } from "@/lib/catalog/products";
import { notFound } from "@/lib/platform/errors";
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
  return json({ variant: await addVariant(productId, variant, admin.actorId) }, 201);
});
