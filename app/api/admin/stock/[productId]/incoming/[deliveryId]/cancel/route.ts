import { z } from "zod";
import { authoriseAdminRequest } from "@/lib/admin/access";
import { notFound } from "@/lib/platform/errors";
import { handler, json, parseWith } from "@/lib/platform/http";
import { cancelDelivery } from "@/lib/inventory";

export const dynamic = "force-dynamic";

/** Cancels a delivery that has not come: 200 `{ delivery }`; 409 `preorders_waiting` while pre-orders wait for it. */
export const POST = handler<{ productId: string; deliveryId: string }>(async (request, { params }) => {
  const admin = await authoriseAdminRequest(request);
  const { productId, deliveryId } = await params;
  parseWith(z.uuid(), productId, () => notFound("product"));
  const id = parseWith(z.uuid(), deliveryId, () => notFound("delivery"));
  return json({ delivery: await cancelDelivery({ deliveryId: id, productId, actorId: admin.actorId }) });
});
