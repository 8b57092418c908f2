/**
 * Where a placed order's money stands, as the merchant acts on it. Plain rules, shared by lib/ and the admin
 * pages (no server-only imports).
 */
import type { PaymentStatus } from "@/db/schema";

/** Payment statuses that leave a placed order with no money behind it: it can be cancelled, not shipped. */
export const FAILED_PAYMENT_STATUSES: readonly PaymentStatus[] = ["voided", "refunded", "failed", "declined"];

/** An order not yet cancelled whose payment failed, or was never captured; null when its money is in. */
export function paymentTrouble(order: { status: string; paymentStatus: PaymentStatus | null }): "failed" | "uncaptured" | null {
  if (order.status === "cancelled" || !order.paymentStatus || order.paymentStatus === "captured") return null;
  return FAILED_PAYMENT_STATUSES.includes(order.paymentStatus) ? "failed" : "uncaptured";
}
