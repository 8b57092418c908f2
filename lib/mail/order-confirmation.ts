/**
 * The order confirmation email, queued as soon as the order is placed (outside the transaction that holds its
 * stock rows, which stays short), and by the sweep for any order that has none yet: so every order gets
 * exactly one, even if the process dies in between.
 */
import "server-only";
import { and, asc, eq, gt, notExists, sql } from "drizzle-orm";
import { db } from "@/db/client";
import { checkouts, emailOutbox, orderLines, orders, users } from "@/db/schema";
import { orderLink, orderNumber } from "../orders/access";
import { queueEmail, type Executor } from "./outbox";
import { orderConfirmationEmail } from "./templates";
import { lineName } from "../catalog/variants";
import { orderShipDates } from "../inventory/incoming";
import { kitContentsOf, kitContentsText } from "../catalog/kits";

/**
 * Queues the confirmation of `orderId` (lines, total, delivery details, order link) to the order's email, or
 * the account's. Queued once per order however often it is called. Returns the outbox id, or null (already
 * queued, no address).
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
    // The lines as sold (name and unit price kept on the line), never the catalogue's current ones.
    .select({
      variantId: orderLines.variantId,
      name: orderLines.name,
      options: orderLines.options,
      quantity: orderLines.quantity,
      unitPriceCents: orderLines.unitPriceCents,
    })
    .from(orderLines)
    .where(eq(orderLines.orderId, orderId))
    .orderBy(asc(orderLines.name), asc(orderLines.sku));
  // A kit's line says what it holds: the components are what the parcel will have in it.
  const kits = await kitContentsOf(lines.map((line) => line.variantId), tx);
  // A pre-ordered line says when it ships (the day its delivery is expected).
  const shipDates = (await orderShipDates([orderId], tx)).get(orderId);
  const email = orderConfirmationEmail({
    orderNumber: orderNumber(order.id),
    placedAt: order.createdAt,
    // "Trail Shirt — M": the variant as it was sold.
    lines: lines.map(({ options, variantId, ...line }) => {
      const kit = kits.get(variantId);
      return {
        ...line,
        name: lineName(line.name, options),
        expectedAt: shipDates?.get(variantId) ?? null,
        ...(kit ? { contents: kitContentsText(kit) } : {}),
      };
    }),
    totalCents: order.totalCents,
    delivery: order.details,
    orderUrl: orderLink(order.id),
  });
  return queueEmail(tx, { kind: "order_confirmation", recipient, dedupeKey: confirmationKey(order.id), ...email });
}

const confirmationKey = (orderId: string) => `order:${orderId}`;

/** Queues the confirmation of every order of the last day that has none yet. Returns how many it queued. */
export async function queueMissingOrderConfirmations(limit = 100): Promise<number> {
  const missing = await db
    .select({ id: orders.id })
    .from(orders)
    .where(
      and(
        gt(orders.createdAt, sql`now() - interval '1 day'`),
        notExists(
          db
            .select({ one: sql`1` })
            .from(emailOutbox)
            // The key is built in SQL from the order's id, as confirmationKey builds it in TypeScript.
            .where(eq(emailOutbox.dedupeKey, sql`'order:' || ${orders.id}`)),
        ),
      ),
    )
    .limit(limit);
  let queued = 0;
  for (const order of missing) if ((await queueOrderConfirmation(db, order.id)) !== null) queued += 1;
  return queued;
}
