import { z } from "zod";
import { authoriseAdminRequest, stockAdjustmentSchema } from "@/lib/admin/access";
import { notFound } from "@/lib/platform/errors";
import { handler, json, parseJsonBody, parseWith } from "@/lib/platform/http";
import { adjustStock } from "@/lib/inventory";

export const dynamic = "force-dynamic";

/** Restock (delta > 0) or write off (delta < 0) with a reason; 409 if it would take held or sold units. */
export const POST = handler<{ productId: string }>(async (request, { params }) => {
  const admin = await authoriseAdminRequest(request);
  const productId = parseWith(z.uuid(), (await params).productId, () => notFound("product"));
  const { delta, reason } = await parseJsonBody(request, stockAdjustmentSchema);
  const product = await adjustStock({ productId, delta, reason, actorId: admin.actorId });
  return json({ product });
});
