import { z } from "zod";
import { authoriseAdminRequest } from "@/lib/admin/access";
import { notFound } from "@/lib/platform/errors";
import { handler, json, parseJsonBody, parseWith } from "@/lib/platform/http";
import { cancelOrderWithFailedPayment } from "@/lib/payments/after-order";
import { cancelOrderBodySchema } from "@/lib/store-schemas";

export const dynamic = "force-dynamic";

/**
 * Cancels an order whose payment failed: its allocated units go back on sale. 409 `payment_not_failed` for an
 * order whose payment holds money (a refunding cancel comes later).
 */
export const POST = handler<{ orderId: string }>(async (request, { params }) => {
  const admin = await authoriseAdminRequest(request);
  const orderId = parseWith(z.uuid(), (await params).orderId, () => notFound("order"));
  const { reason } = await parseJsonBody(request, cancelOrderBodySchema);
  return json({ order: await cancelOrderWithFailedPayment(orderId, admin.actorId, reason) });
});
