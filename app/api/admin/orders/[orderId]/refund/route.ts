import { z } from "zod";
import { authoriseAdminRequest } from "@/lib/admin/access";
import { notFound } from "@/lib/platform/errors";
import { handler, json, parseJsonBody, parseWith } from "@/lib/platform/http";
import { refundOrder } from "@/lib/orders";
import { idempotencyKeySchema, refundOrderBodySchema } from "@/lib/store-schemas";

export const dynamic = "force-dynamic";

/**
 * Refunds chosen lines of an order (no `lines`: all of it) through the payment provider. The Idempotency-Key header
 * names this refund: the same key again answers the same refund and moves no more money. `restock` puts unshipped
 * units back on sale and shipped ones back on the shelf (a return). 409 past what was sold or is left to refund.
 */
export const POST = handler<{ orderId: string }>(async (request, { params }) => {
  const admin = await authoriseAdminRequest(request);
  const orderId = parseWith(z.uuid(), (await params).orderId, () => notFound("order"));
  const requestKey = parseWith(idempotencyKeySchema, request.headers.get("idempotency-key") ?? undefined);
  const body = await parseJsonBody(request, refundOrderBodySchema);
  return json({ order: await refundOrder(orderId, admin.actorId, { ...body, requestKey }) });
});
