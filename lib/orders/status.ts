/**
 * An order's status from what happened to it: a refund outranks the shipping state (`refunded` when all of its
 * money went back, `partially_refunded` when some did), then `fulfilled` once every unit left to ship has shipped,
 * `partially_fulfilled` once some has, else `paid`. A cancelled order stays cancelled. Called by every writer of an
 * order's lines, in its transaction (the order's row lock held).
 */
import "server-only";
import { eq, sql } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { orderLines, orders, type OrderStatus } from "@/db/schema";
import { lineShipping } from "../inventory";

export function statusOf(order: { totalCents: number; refundedCents: number }, lines: { fulfilled: number; open: number }[]): OrderStatus {
  if (order.refundedCents > 0) return order.refundedCents >= order.totalCents ? "refunded" : "partially_refunded";
  const shipped = lines.some((l) => l.fulfilled > 0);
  if (!shipped) return "paid";
  return lines.every((l) => l.open === 0) ? "fulfilled" : "partially_fulfilled";
}

export async function refreshOrderStatus(tx: Tx, orderId: string): Promise<OrderStatus> {
  const [order] = await tx
    .select({ status: orders.status, totalCents: orders.totalCents, refundedCents: orders.refundedCents })
    .from(orders)
    .where(eq(orders.id, orderId));
  if (!order || order.status === "cancelled") return "cancelled";
  const lines = await tx.select({ variantId: orderLines.variantId, quantity: orderLines.quantity }).from(orderLines).where(eq(orderLines.orderId, orderId));
  const shipping = [...(await lineShipping(tx, orderId, lines)).values()];
  const status = statusOf(order, shipping);
  const allShipped = shipping.some((l) => l.fulfilled > 0) && shipping.every((l) => l.open === 0);
  await tx
    .update(orders)
    .set({ status, ...(allShipped ? { fulfilledAt: sql`coalesce(${orders.fulfilledAt}, now())` } : {}) })
    .where(eq(orders.id, orderId));
  return status;
}
