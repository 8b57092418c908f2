import { z } from "zod";
import { authoriseAdminRequest, stockAdjustmentSchema } from "@/lib/admin/access";
import { notFound } from "@/lib/platform/errors";
import { handler, json, parseJsonBody, parseWith } from "@/lib/platform/http";
import { adjustStock } from "@/lib/inventory";

export const dynamic = "force-dynamic";

/** The adjustment names the variant (a one-variant product's may be left out) and where (default: the first location). */
const adjustmentSchema = stockAdjustmentSchema.extend({
  variantId: z.uuid("variantId is a variant's id.").optional(),
  locationId: z.uuid("locationId is a location's id.").optional(),
});

/**
 * Restock (delta > 0) or write off (delta < 0) one variant at one location with a reason; 409 if it would take
 * held or sold units, or restock a deactivated location (`location_inactive`). A product with several variants
 * needs `variantId` (400 `variant_required`); another product's variant or an unknown location is 404.
 */
export const POST = handler<{ productId: string }>(async (request, { params }) => {
  const admin = await authoriseAdminRequest(request);
  const productId = parseWith(z.uuid(), (await params).productId, () => notFound("product"));
  const { variantId, locationId, delta, reason } = await parseJsonBody(request, adjustmentSchema);
  const product = await adjustStock({ productId, variantId, locationId, delta, reason, actorId: admin.actorId });
  return json({ product });
});
