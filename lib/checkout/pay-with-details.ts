/**
 * Paying with the checkout's details: the one function behind the checkout form's Pay button and
 * POST /api/checkout/{id}/pay. The details sent along are saved with the checkout first (an autosave may not
 * have caught the last keystrokes); the payment itself checks that the delivery details are complete
 * (./delivery.ts) once it knows the checkout can be paid at all, so an ended checkout says so first.
 */
import "server-only";
import { DomainError } from "../platform/errors";
import { payForCheckout, type PayRequest, type PayResult } from "./pay";
import { recordCheckoutActivity } from "./checkout";
import type { DeliveryRule } from "./delivery";

/** Errors of saving details that paying itself answers better (a replay, a revival, the order already made). */
const leftToPaying = new Set<string>(["checkout_expired", "checkout_completed", "checkout_closed", "payment_in_progress"]);

export async function payWithDetails(
  request: PayRequest,
  given: { email?: string; details?: Record<string, string> },
  delivery: DeliveryRule,
): Promise<PayResult> {
  if (given.email || given.details) {
    try {
      await recordCheckoutActivity(request.checkoutId, request.shopperId, given);
    } catch (error) {
      if (!(error instanceof DomainError) || !leftToPaying.has(error.code)) throw error;
    }
  }
  return payForCheckout({ ...request, delivery: { rule: delivery, details: given.details ?? {} } });
}
