import { confirmPayment } from "@/lib/checkout";
import { handler, json } from "@/lib/platform/http";
import { requireShopper } from "@/lib/accounts/identity";

/**
 * The shopper's bank has answered in the browser (3-D Secure, Stripe.js `handleNextAction`): the shop asks the
 * provider where the payment stands and settles it. Answers as paying does: 200 with the order; 202 with the
 * checkout (`paying`, and `nextAction` while the bank still waits for the shopper); 402 declined (hold released).
 */
export const POST = handler<{ id: string }>(async (_request, { params }) => {
  const { id } = await params;
  const shopper = await requireShopper();
  const result = await confirmPayment({ checkoutId: id, shopperId: shopper.id });
  return result.kind === "paid"
    ? json({ order: result.order })
    : json({ checkout: result.checkout, ...(result.nextAction ? { nextAction: result.nextAction } : {}) }, 202);
});
