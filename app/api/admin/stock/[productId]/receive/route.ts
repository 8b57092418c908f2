import { z } from "zod";
import { authoriseAdminRequest, MAX_UNITS } from "@/lib/admin/access";
import { notFound } from "@/lib/platform/errors";
import { handler, json, parseJsonBody, parseWith } from "@/lib/platform/http";
import { receiveIncoming } from "@/lib/inventory";

export const dynamic = "force-dynamic";

const receiveSchema = z.object({
  variantId: z.uuid("variantId is a variant's id.").optional(),
  locationId: z.uuid("locationId is a location's id.").optional(),
  quantity: z.number().int("quantity is a whole number.").min(1, "quantity is at least 1.").max(MAX_UNITS),
});

/**
 * Receives units on their way: they move from the open deliveries (oldest expected first) to on hand, and the
 * pre-orders stay allocated. 200 `{ deliveries }` (those touched); more than is on its way is a 409.
 */
export const POST = handler<{ productId: string }>(async (request, { params }) => {
  const admin = await authoriseAdminRequest(request);
  const productId = parseWith(z.uuid(), (await params).productId, () => notFound("product"));
  const input = await parseJsonBody(request, receiveSchema);
  return json({ deliveries: await receiveIncoming({ productId, ...input, actorId: admin.actorId }) });
});
