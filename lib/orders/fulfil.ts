/**
 * Shipping an order: everything left (no lines), what is allocated at one location, or chosen lines and units,
 * with the parcel's carrier and tracking number. Each shipment is recorded (the order's timeline) and the shopper
 * is emailed through the outbox in the same transaction. The order is `partially_fulfilled` until every unit left
 * has shipped, then `fulfilled` (a refund's status outranks both: lib/orders/status.ts).
 *
 * Lock order: the order row, then its allocations, then stock rows (lib/inventory/stock.ts), as refunds take them,
 * so a refund and a shipment of the same line run one after the other.
 */
import "server-only";
import { eq } from "drizzle-orm";
import { db } from "@/db/client";
import { orderLines, orders, payments, shipments } from "@/db/schema";
import { DomainError, notFound } from "../platform/errors";
import { isUuid } from "../platform/ids";
import { fulfilOrderUnits, lineShipping, resolveLocation, shipLineUnits } from "../inventory";
import { queueShippedEmail } from "../mail/after-order";
import { findOrderById, type OrderView } from "./read";
import { refreshOrderStatus } from "./status";

export interface FulfilInput {
  /** Ship only what is allocated at this location. */
  locationId?: string | undefined;
  /** Ship these units of these lines (none: everything left). */
  lines?: { variantId: string; quantity: number }[] | undefined;
  trackingNumber?: string | undefined;
  carrier?: string | undefined;
}

/**
 * Ships (part of) an order: those units leave the shelf (on hand and allocated both drop). Shipping what has
 * shipped changes nothing. 409 `conflict` for more units than are left to ship, a cancelled order or one whose
 * payment is not captured; 400 for a line not in the order; 404 for an unknown location.
 */
export async function fulfilOrder(orderId: string, actorId: string | null, options: FulfilInput = {}): Promise<OrderView> {
  if (!isUuid(orderId)) throw notFound("order");
  if (options.locationId !== undefined && !isUuid(options.locationId)) throw notFound("location");
  await db.transaction(async (tx) => {
    const [order] = await tx.select({ status: orders.status }).from(orders).where(eq(orders.id, orderId)).for("update");
    if (!order) throw notFound("order");
    if (order.status === "cancelled") throw new DomainError("conflict", "This order was cancelled; there is nothing to ship.");
    const [payment] = await tx.select({ status: payments.status }).from(payments).where(eq(payments.orderId, orderId));
    if (payment && payment.status !== "captured") {
      throw new DomainError("conflict", "This order's payment has not been captured: retry the capture (or cancel the order) before shipping it.");
    }
    const lines = await tx.select({ variantId: orderLines.variantId, quantity: orderLines.quantity }).from(orderLines).where(eq(orderLines.orderId, orderId));
    const before = await lineShipping(tx, orderId, lines);
    let shippedLines: { variantId: string; quantity: number }[];
    let shippedUnits = 0;
    if (options.lines) {
      const wanted = new Map<string, number>();
      for (const l of options.lines) {
        if (!before.has(l.variantId)) {
          throw new DomainError("invalid_request", "That line is not in this order.", {
            issues: [{ path: ["lines"], message: `No line of this order sells variant ${l.variantId}.` }],
          });
        }
        wanted.set(l.variantId, (wanted.get(l.variantId) ?? 0) + l.quantity);
      }
      for (const [variantId, units] of wanted) {
        const open = before.get(variantId)!.open;
        if (units > open) {
          throw new DomainError("conflict", `Only ${open} unit(s) of this line are left to ship.`, { variantId, requested: units, left: open });
        }
      }
      shippedLines = [...wanted].map(([variantId, quantity]) => ({ variantId, quantity }));
      shippedUnits = shippedLines.length;
      await shipLineUnits(
        tx,
        orderId,
        shippedLines.map((l) => ({ variantId: l.variantId, lineQuantity: lines.find((x) => x.variantId === l.variantId)!.quantity, units: l.quantity })),
        { actorId, reason: "order fulfilled" },
      );
    } else {
      // A location that does not exist is a 404, not an order with nothing to ship there.
      if (options.locationId !== undefined) await resolveLocation(tx, options.locationId);
      shippedUnits = (await fulfilOrderUnits(tx, orderId, { actorId, locationId: options.locationId })).shipped.length;
      const after = await lineShipping(tx, orderId, lines);
      shippedLines = lines
        .map((l) => ({ variantId: l.variantId, quantity: after.get(l.variantId)!.fulfilled - before.get(l.variantId)!.fulfilled }))
        .filter((l) => l.quantity > 0);
    }
    if (shippedUnits === 0) return;
    const status = await refreshOrderStatus(tx, orderId);
    const [shipment] = await tx
      .insert(shipments)
      .values({ orderId, lines: shippedLines, carrier: options.carrier ?? null, trackingNumber: options.trackingNumber ?? null, actorId })
      .returning({ id: shipments.id });
    const left = await lineShipping(tx, orderId, lines);
    await queueShippedEmail(tx, {
      id: shipment!.id,
      orderId,
      lines: shippedLines,
      carrier: options.carrier ?? null,
      trackingNumber: options.trackingNumber ?? null,
      complete: status === "fulfilled" || [...left.values()].every((l) => l.open === 0),
    });
  });
  const order = await findOrderById(orderId);
  if (!order) throw notFound("order");
  return order;
}
