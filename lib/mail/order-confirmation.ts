/** The order confirmation email, queued in the transaction that creates the order. */
import "server-only";
import { asc, eq } from "drizzle-orm";
import { checkouts, orderLines, orders, products, users } from "@/db/schema";
import { orderLink, orderNumber } from "../order-access";
import { queueEmail, type Executor } from "./outbox";
import { orderConfirmationEmail } from "./templates";

/**
 * Queues the confirmation of `orderId` (lines, total, delivery details, order link) to the order's email, or
 * the account's. Call it inside the transaction that creates the order: the email exists iff the order does.
 * Queued once per order however often it is called. Returns the outbox id, or null (already queued, no address).
 */
export async function queueOrderConfirmation(tx: Executor, orderId: string): Promise<number | null> {
  const [order] = await tx
    .select({
      id: orders.id,
      email: orders.email,
      accountEmail: users.email,
      totalCents: orders.totalCents,
      createdAt: orders.createdAt,
      details: checkouts.details,
    })
    .from(orders)
    .innerJoin(checkouts, eq(checkouts.id, orders.checkoutId))
    .innerJoin(users, eq(users.id, orders.shopperId))
    .where(eq(orders.id, orderId));
  const recipient = order?.email ?? order?.accountEmail;
  if (!order || !recipient) return null;
  const lines = await tx
    .select({ name: products.name, quantity: orderLines.quantity, unitPriceCents: orderLines.unitPriceCents })
    .from(orderLines)
    .innerJoin(products, eq(products.id, orderLines.productId))
    .where(eq(orderLines.orderId, orderId))
    .orderBy(asc(products.name));
  const email = orderConfirmationEmail({
    orderNumber: orderNumber(order.id),
    placedAt: order.createdAt,
    lines,
    totalCents: order.totalCents,
    delivery: order.details,
    orderUrl: orderLink(order.id),
  });
  return queueEmail(tx, { kind: "order_confirmation", recipient, dedupeKey: `order:${order.id}`, ...email });
}
