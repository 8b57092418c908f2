/**
 * The line, as the shop's checkout offers it: a shopper whose start was refused joins with their cart (the
 * engine is lib/inventory/line). The route handlers and the pages' server actions both call these.
 */
import "server-only";
import { joinLine, type TicketView } from "../inventory";
import type { Shopper } from "../accounts/shoppers";
import { DomainError } from "../platform/errors";

export { getTicket, leaveLine, currentTicket, isContendedCheckout, type TicketView } from "../inventory";

/** Joins the line with the shopper's cart; a guest gives the email the offer is sent to. */
export async function joinTheLine(shopper: Shopper | null, input: { email?: string | null } = {}): Promise<{ ticket: TicketView; created: boolean }> {
  if (!shopper) throw new DomainError("empty_cart", "Your cart is empty.");
  const email = shopper.email ?? input.email?.trim() ?? null;
  if (!email) {
    throw new DomainError("invalid_request", "An email address is required to join the line as a guest: it is where your turn is announced.", {
      issues: [{ path: ["email"], message: "Required for guests" }],
    });
  }
  return joinLine(shopper.id, email);
}
