/**
 * The packing view: per location, the orders with units still to ship from there, oldest first, and what to
 * pick for each (the units allocated there and not yet shipped). Reads only; shipping is lib/orders `fulfilOrder`.
 * Driven by order_allocations' partial index on unshipped rows per location.
 */
import "server-only";
import { and, asc, countDistinct, eq, inArray, ne, sql } from "drizzle-orm";
import { db } from "@/db/client";
import { orderAllocations, orderLines, orders, payments, products, productVariants, users, type OrderStatus, type PaymentStatus } from "@/db/schema";
import { notFound } from "../platform/errors";
import { isUuid } from "../platform/ids";

/**
 * One line to pick: the variant as sold, and how many of it to ship from this location. A kit's line is picked as
 * its components: one line each, naming the component (`sku`, `name`) and the kit it goes in (`kit`).
 */
export type PackingLine = {
  variantId: string;
  name: string;
  sku: string;
  options: Record<string, string>;
  quantity: number;
  ordered: number;
  kit: { variantId: string; name: string; sku: string } | null;
};

export type PackingOrder = {
  id: string;
  createdAt: string;
  status: OrderStatus;
  email: string | null;
  guest: boolean;
  /** Null or `captured` when its money is in; anything else must be settled on the order's page before shipping. */
  paymentStatus: PaymentStatus | null;
  lines: PackingLine[];
};

/** Allocations with units not yet shipped (the rows the partial index holds). */
const unshipped = sql`${orderAllocations.fulfilled} + ${orderAllocations.released} < ${orderAllocations.quantity}`;
/** Orders still to ship: a cancelled order's units went back on sale (a refunded one may still have units to ship). */
const stillToShip = ne(orders.status, "cancelled");

/** How many orders have units to ship from each location, by location id (a location with none is absent). */
export async function packingCounts(): Promise<Map<string, number>> {
  const rows = await db
    .select({ locationId: orderAllocations.locationId, orders: countDistinct(orderAllocations.orderId) })
    .from(orderAllocations)
    .innerJoin(orders, eq(orders.id, orderAllocations.orderId))
    .where(and(unshipped, stillToShip))
    .groupBy(orderAllocations.locationId);
  return new Map(rows.map((r) => [r.locationId, r.orders]));
}

/**
 * The orders with units to ship from one location, oldest first (at most `limit`; `more` says whether there are
 * others after them), each with its lines to pick there. An unknown location id is a 404.
 */
export async function listPackingOrders(locationId: string, limit = 100): Promise<{ orders: PackingOrder[]; more: boolean }> {
  if (!isUuid(locationId)) throw notFound("location");
  const here = and(eq(orderAllocations.locationId, locationId), unshipped, stillToShip);
  const due = await db
    .selectDistinct({ id: orders.id, createdAt: orders.createdAt })
    .from(orderAllocations)
    .innerJoin(orders, eq(orders.id, orderAllocations.orderId))
    .where(here)
    .orderBy(asc(orders.createdAt), asc(orders.id))
    .limit(limit + 1);
  const shown = due.slice(0, limit);
  if (shown.length === 0) return { orders: [], more: false };
  const rows = await db
    .select({
      orderId: orders.id,
      createdAt: orders.createdAt,
      status: orders.status,
      email: sql<string | null>`coalesce(${users.email}, ${orders.email})`,
      guest: sql<boolean>`${users.kind} = 'guest'`,
      paymentStatus: sql<PaymentStatus | null>`(${db.select({ status: payments.status }).from(payments).where(eq(payments.orderId, orders.id)).limit(1)})`,
      variantId: orderAllocations.variantId,
      kitVariantId: orderAllocations.kitVariantId,
      lineName: orderLines.name,
      lineSku: orderLines.sku,
      lineOptions: orderLines.options,
      // A component is named as it is now (an order line keeps the kit's name as sold).
      componentName: products.name,
      componentSku: productVariants.sku,
      componentOptions: productVariants.options,
      ordered: orderLines.quantity,
      quantity: sql<number>`(${orderAllocations.quantity} - ${orderAllocations.fulfilled} - ${orderAllocations.released})::int`,
    })
    .from(orderAllocations)
    .innerJoin(orders, eq(orders.id, orderAllocations.orderId))
    .innerJoin(users, eq(users.id, orders.shopperId))
    .innerJoin(orderLines, and(eq(orderLines.orderId, orderAllocations.orderId), eq(orderLines.variantId, orderAllocations.lineVariantId)))
    .innerJoin(productVariants, eq(productVariants.id, orderAllocations.variantId))
    .innerJoin(products, eq(products.id, productVariants.productId))
    .where(and(here, inArray(orderAllocations.orderId, shown.map((o) => o.id))))
    .orderBy(asc(orders.createdAt), asc(orders.id), asc(orderLines.name), asc(orderLines.sku));
  const byOrder = new Map<string, PackingOrder>();
  for (const r of rows) {
    const order =
      byOrder.get(r.orderId) ??
      ({ id: r.orderId, createdAt: r.createdAt.toISOString(), status: r.status, email: r.email, guest: r.guest, paymentStatus: r.paymentStatus, lines: [] } satisfies PackingOrder);
    const kit = r.kitVariantId === null ? null : { variantId: r.kitVariantId, name: r.lineName, sku: r.lineSku };
    order.lines.push(
      kit
        ? { variantId: r.variantId, name: r.componentName, sku: r.componentSku, options: r.componentOptions, quantity: r.quantity, ordered: r.ordered, kit }
        : { variantId: r.variantId, name: r.lineName, sku: r.lineSku, options: r.lineOptions, quantity: r.quantity, ordered: r.ordered, kit: null },
    );
    byOrder.set(r.orderId, order);
  }
  return { orders: [...byOrder.values()], more: due.length > limit };
}
