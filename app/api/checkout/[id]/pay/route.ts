import { payWithDetails } from "@/lib/checkout";
import { handler, json, parseJsonBody, parseWith } from "@/lib/platform/http";
import { requireShopper } from "@/lib/accounts/identity";
import { idempotencyKeySchema, payRequestSchema, toActivityInput } from "@/lib/store-schemas";

/**
 * Pays for the checkout. The Idempotency-Key header names this attempt: the same key again returns the same
 * answer and never charges twice. 200 with the order once paid; 202 with the checkout (`paying`) when the
 * provider answers later (poll GET /api/checkout/{id}), with `nextAction` when the shopper's bank waits for them
 * (3-D Secure: Stripe.js `handleNextAction` with its client secret, then POST …/pay/confirm). Checkout details
 * may come along (saved first); once a client has sent any delivery detail, a shop that ships goods needs all of
 * them (400 naming the missing ones).
 * A lapsed checkout whose prices changed answers 409 `price_changed` with the new lines and total; paying again
 * with `acceptTotalCents` set to that total pays it.
 */
export const POST = handler<{ id: string }>(async (request, { params }) => {
  const { id } = await params;
  const idempotencyKey = parseWith(idempotencyKeySchema, request.headers.get("idempotency-key") ?? undefined);
  const { cardNumber, paymentMethod, acceptTotalCents, ...details } = await parseJsonBody(request, payRequestSchema);
  const shopper = await requireShopper();
  const result = await payWithDetails(
    { checkoutId: id, shopperId: shopper.id, cardNumber, paymentMethod, idempotencyKey, acceptTotalCents },
    toActivityInput(details),
    "when-given",
  );
  return result.kind === "paid" ? json({ order: result.order }) : json({ checkout: result.checkout, ...(result.nextAction ? { nextAction: result.nextAction } : {}) }, 202);
});
