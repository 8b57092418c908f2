/**
 * Paying with the checkout's details: the one function behind the checkout form's Pay button and
 * POST /api/checkout/{id}/pay. The details sent along are saved with the checkout first (an autosave may not
 * have caught the last keystrokes), and when the shop ships goods (SHOP_SHIPS_GOODS) the delivery details must
 * be complete before any money moves: an order always knows where it goes.
 *
 * The checkout form always asks for them ("required"). The API asks for them once a client sends any delivery
 * detail, at activity or at pay ("when-given"): the contract's pay body is `{ cardNumber }`, and a headless
 * client that sends no address at all keeps paying as it always could.
 */
import "server-only";
import { and, eq } from "drizzle-orm";
import { db } from "@/db/client";
import { checkouts } from "@/db/schema";
import { env } from "../env";
import { DomainError, invalidRequest, notFound } from "../errors";
import { isUuid } from "../ids";
import { payForCheckout, type PayRequest, type PayResult } from "../payments/lifecycle";
import { DELIVERY_FIELDS, deliveryDetailsSchema } from "../store-schemas";
import { recordCheckoutActivity } from "./checkout";

/** Errors of saving details that paying itself answers better (a replay, a revival, the order already made). */
const leftToPaying = new Set<string>(["checkout_expired", "checkout_completed", "checkout_closed", "payment_in_progress"]);

export type DeliveryRule = "required" | "when-given";

export async function payWithDetails(
  request: PayRequest,
  given: { email?: string; details?: Record<string, string> },
  delivery: DeliveryRule,
): Promise<PayResult> {
  if (env.SHOP_SHIPS_GOODS) await checkDelivery(request, given.details ?? {}, delivery);
  if (given.email || given.details) {
    try {
      await recordCheckoutActivity(request.checkoutId, request.shopperId, given);
    } catch (error) {
      if (!(error instanceof DomainError) || !leftToPaying.has(error.code)) throw error;
    }
  }
  return payForCheckout(request);
}

async function checkDelivery(request: PayRequest, given: Record<string, string>, rule: DeliveryRule): Promise<void> {
  // Whose checkout it is comes first: someone else's checkout does not exist for this shopper, whatever they sent.
  if (!isUuid(request.checkoutId)) throw notFound("checkout");
  const [stored] = await db
    .select({ details: checkouts.details })
    .from(checkouts)
    .where(and(eq(checkouts.id, request.checkoutId), eq(checkouts.shopperId, request.shopperId)));
  if (!stored) throw notFound("checkout");
  // The form sends every field each time: what it sends is what the shopper means. The API may send details in
  // parts (activity, then pay): what the checkout holds then counts too.
  const details = rule === "required" ? given : { ...stored.details, ...given };
  if (rule === "when-given" && !DELIVERY_FIELDS.some((field) => details[field])) return;
  const parsed = deliveryDetailsSchema.safeParse(details);
  if (!parsed.success) throw invalidRequest(parsed.error, "Enter where the order goes before paying: name, address, postcode, city and country.");
}
