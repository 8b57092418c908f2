import { payForCheckout } from "@/lib/checkout";
import { handler, json, parseJsonBody, parseWith } from "@/lib/http";
import { requireShopper } from "@/lib/identity";
import { measurePayment } from "@/lib/metrics";
import { idempotencyKeySchema, payBodySchema } from "@/lib/store-schemas";

/**
 * Pays for the checkout. The Idempotency-Key header names this attempt: the same key again returns the same
 * order (or the same decline) and never charges twice.
 */
export const POST = handler<{ id: string }>(async (request, { params }) => {
  const { id } = await params;
  const idempotencyKey = parseWith(idempotencyKeySchema, request.headers.get("idempotency-key") ?? undefined);
  const { cardNumber } = await parseJsonBody(request, payBodySchema);
  const shopper = await requireShopper();
  const order = await measurePayment(() => payForCheckout({ checkoutId: id, shopperId: shopper.id, cardNumber, idempotencyKey }));
  return json({ order });
});
