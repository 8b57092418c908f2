/**
 * A product's limit per customer: the units one shopper may hold and buy of it, counted over their live holds
 * (other than the checkout being replaced) and the orders they have paid (not cancelled), by account and by the
 * email they check out with. Units count by the stock product they take: a kit's components count against their
 * own products' limits.
 */
import "server-only";
import { and, eq, inArray, isNotNull, ne, or, sql } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { DomainError } from "../../platform/errors";
import { checkouts, orderAllocations, orders, products, reservations } from "@/db/schema";
import { isActiveHold } from "../availability";

export type LimitRefusal = { productId: string; name: string; limit: number; already: number; requested: number };

/** "Lantern is limited to 2 per customer. You already have 1 held or bought." (409 `limit_per_customer`) */
export function limitError(refusal: LimitRefusal): DomainError {
  const { productId, name, limit, already, requested } = refusal;
  const had = already === 0 ? "" : ` You already have ${already} held or bought.`;
  return new DomainError("limit_per_customer", `${name} is limited to ${limit} per customer.${had}`, { productId, limit, already, requested });
}

/**
 * The first product of `wanted` this shopper would take past its limit, with what they already hold and bought;
 * null when every product is within its limit (or has none).
 */
export async function overLimit(
  tx: Tx,
  who: { shopperId: string; email: string | null; cartId: string; wanted: readonly { productId: string; quantity: number }[] },
): Promise<LimitRefusal | null> {
  const wantedPer = new Map<string, number>();
  for (const w of who.wanted) wantedPer.set(w.productId, (wantedPer.get(w.productId) ?? 0) + w.quantity);
  if (wantedPer.size === 0) return null;
  const held = tx
    .select({ units: sql`coalesce(sum(${reservations.quantity}), 0)` })
    .from(reservations)
    .innerJoin(checkouts, eq(checkouts.id, reservations.checkoutId))
    .where(
      and(
        eq(reservations.productId, products.id),
        eq(reservations.shopperId, who.shopperId),
        isActiveHold,
        sql`${reservations.expiresAt} > now()`,
        ne(checkouts.cartId, who.cartId),
      ),
    );
  const bought = tx
    .select({ units: sql`coalesce(sum(${orderAllocations.quantity}), 0)` })
    .from(orders)
    .innerJoin(orderAllocations, eq(orderAllocations.orderId, orders.id))
    .where(
      and(
        eq(orderAllocations.productId, products.id),
        ne(orders.status, "cancelled"),
        or(eq(orders.shopperId, who.shopperId), who.email ? sql`lower(${orders.email}) = lower(${who.email})` : undefined),
      ),
    );
  const limited = await tx
    .select({
      productId: products.id,
      name: products.name,
      limit: products.limitPerCustomer,
      already: sql<number>`(${held}) + (${bought})`.mapWith(Number),
    })
    .from(products)
    .where(and(inArray(products.id, [...wantedPer.keys()]), isNotNull(products.limitPerCustomer)));
  for (const p of limited) {
    const requested = wantedPer.get(p.productId)!;
    if (p.already + requested > p.limit!) return { productId: p.productId, name: p.name, limit: p.limit!, already: p.already, requested };
  }
  return null;
}
