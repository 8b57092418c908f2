/**
 * Placing an order: a paid checkout's holds become allocated stock (lib/inventory) and an order with its lines;
 * the checkout completes and the bought quantities leave the cart. Called by the pay flow (lib/checkout/pay.ts)
 * in its settling transaction, which holds the checkout's and the payment's row locks.
 */
import "server-only";
import { eq, sql } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { checkouts, orderLines, orders } from "@/db/schema";
import { removeBoughtLines } from "../cart";
import { moveTo } from "../checkout/states";
import { allocateToOrder, heldLines, recordOrderAllocations, type ShortLine } from "../inventory";

/** The checkout being paid, as placing its order needs it. */
export interface PaidCheckout {
  id: string;
  cartId: string;
  email: string | null;
  totalCents: number;
}

/**
 * Turns the checkout's holds into allocated stock and an order (authorize, allocate, then capture): the
 * checkout completes, and only the quantities bought leave the cart. Returns the short lines instead when the
 * stock could not be allocated (nothing written but the stale holds expired).
 */
export async function placeOrder(
  tx: Tx,
  checkout: PaidCheckout,
  payment: { shopperId: string },
  reference: string,
): Promise<{ orderId: string } | { short: ShortLine[] }> {
  const orderId = crypto.randomUUID();
  const { short, allocations } = await allocateToOrder(tx, checkout.id, { orderId, actorId: payment.shopperId });
  if (short.length > 0) return { short };
  // The name, SKU and options are copied onto the order line: a later change never rewrites what was sold.
  const bought = (await heldLines(tx, checkout.id)).map((l) => ({
    productId: l.productId,
    variantId: l.variantId,
    name: l.name,
    sku: l.sku,
    options: l.options,
    quantity: l.quantity,
    unitPriceCents: l.unitPriceCents,
  }));
  await tx.insert(orders).values({
    id: orderId,
    checkoutId: checkout.id,
    shopperId: payment.shopperId,
    email: checkout.email,
    totalCents: checkout.totalCents,
    paymentReference: reference,
  });
  // The lines first: the allocations' foreign key names them.
  await tx.insert(orderLines).values(bought.map((b) => ({ orderId, ...b })));
  await Promise.all([
    // Where each unit is allocated: the locations its holds drew on.
    recordOrderAllocations(tx, orderId, allocations),
    moveTo(tx, eq(checkouts.id, checkout.id), "completed", { endedBy: "payment", endedAt: sql`now()` }),
    removeBoughtLines(tx, checkout.cartId, bought),
  ]);
  return { orderId };
}
