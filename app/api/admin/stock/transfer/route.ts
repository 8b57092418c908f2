import { authoriseAdminRequest, stockTransferSchema } from "@/lib/admin/access";
import { transferStock } from "@/lib/inventory";
import { handler, json, parseJsonBody } from "@/lib/platform/http";

export const dynamic = "force-dynamic";

/**
 * Moves free units of a variant between two locations `{ variantId, fromLocationId, toLocationId, quantity,
 * reason }` and answers with both sides' new levels. Never held or sold units (409 with what is free); the same
 * location twice is 400; an unknown location or variant 404; an inactive destination 409 `location_inactive`.
 */
export const POST = handler(async (request) => {
  const admin = await authoriseAdminRequest(request);
  const input = await parseJsonBody(request, stockTransferSchema);
  return json({ transfer: await transferStock({ ...input, actorId: admin.actorId }) });
});
