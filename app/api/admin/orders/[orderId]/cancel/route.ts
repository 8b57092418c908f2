import { z } from "zod";
import { authoriseAdminRequest } from "@/lib/admin/access";
import { notFound } from "@/lib/platform/errors";
import { handler, json, parseJsonBody, parseWith } from "@/lib/platform/http";
import { cancelOrder } from "@/lib/orders";
import { cancelOrderBodySchema } from "@/lib/store-schemas";

export const dynamic = "force-dynamic";

/**
 * Cancels an order before anything shipped: its money is refunded in full (a payment that failed has none) and its
 * allocated units go back on sale. 409 `conflict` once anything shipped; 409 `payment_not_failed` while its payment
 * is authorized but not captured.
 */
export const POST = handler<{ orderId: string }>(async (request, { params }) => {
  const admin = await authoriseAdminRequest(request);
  const orderId = parseWith(z.uuid(), (await params).orderId, () => notFound("order"));
  const { reason } = await parseJsonBody(request, cancelOrderBodySchema);
  return json({ order: await cancelOrder(orderId, admin.actorId, reason) });
});
