/** Orders as they are read (the shopper's, a guest's by link, the admin's pages), and fulfilment (allocated stock leaves the shelf). */
import "server-only";
import { and, desc, eq, ilike, or, sql, type SQL } from "drizzle-orm";
import { db } from "@/db/client";
import {
  checkouts,
  locations,
  orderAllocations,
  orderLines,
  orders,
  payments,
  products,
  productVariants,
  users,
  type OrderStatus,
  type PaymentStatus,
} from "@/db/schema";
import { notFound } from "../platform/errors";
import { isUuid } from "../platform/ids";
import { orderShipDates, shippingOf } from "../inventory";
import { anchoredCondition, anchoredOrderBy, containsPattern, decodeAnchoredCursor, toAnchoredPage, type AnchoredOrder, type Page } from "../platform/paging";
import type { VariantLine } from "../catalog/variants";

/**
 * Units of a line allocated at one location, and how many of them have shipped from there. For a kit's line, one
 * per component and location: `variantId` and `sku` name the component (the line's own variant otherwise).
 */
export type LineAllocation = {
  locationId: string;
  name: string;
  variantId: string;
  sku: string;
  quantity: number;
  fulfilled: number;
  /** Units that left the order unshipped (refunded or cancelled). */
  released: number;
};

/**
 * A line as it was sold: its name, SKU, options and unit price are the line's own, whatever the product becomes;
 * `allocations` says where its units are allocated (in the order holds drew on the locations).
 */
export type OrderLineView = VariantLine & {
  allocations: LineAllocation[];
  /** A pre-ordered line still to come: the day its last unit is expected (YYYY-MM-DD); null once it is all here. */
  expectedAt: string | null;
  /** Units shipped; units refunded (shipped or not); of those shipped and refunded, units that came back to the shelf. */
  fulfilled: number;
  refunded: number;
  returned: number;
};

export interface OrderView {
  id: string;
  checkoutId: string;
  status: OrderStatus;
  totalCents: number;
  /** What refunds gave back (or are giving back) of the total. */
  refundedCents: number;
  email: string | null;
  shopper: { id: string; email: string | null; guest: boolean };
  createdAt: string;
  fulfilledAt: string | null;
  /** When the shop gave the order up (its payment failed) and its units went back on sale. */
  cancelledAt: string | null;
  /**
   * Where the order's money stands: `captured`; `authorized` while (or because) its capture is still to be
   * made; `voided` or `refunded` when the payment failed after the order was placed (the merchant retries the
   * capture or cancels the order).
   */
  paymentStatus: PaymentStatus | null;
  lines: OrderLineView[];
  /** Delivery details given at checkout (name, address, city, postcode, country). */
  delivery: Record<string, string>;
}


/**
 * The order's lines as JSON, by name: one correlated read per order, in the same statement. The name, SKU,
 * options and unit price are the line's own, as sold: a later rename or price change never rewrites a past order. The product
 * is joined only for its slug (the link to its page).
 */
const allocationsJson = db
  .select({
    allocations: sql`coalesce(json_agg(json_build_object(
      'locationId', ${orderAllocations.locationId}, 'name', ${locations.name},
      'variantId', ${orderAllocations.variantId}, 'sku', ${productVariants.sku},
      'quantity', ${orderAllocations.quantity}, 'fulfilled', ${orderAllocations.fulfilled},
      'released', ${orderAllocations.released})
      order by ${productVariants.sku}, ${locations.priority}, ${locations.id}), '[]')`,
  })
  .from(orderAllocations)
  .innerJoin(locations, eq(locations.id, orderAllocations.locationId))
  .innerJoin(productVariants, eq(productVariants.id, orderAllocations.variantId))
  .where(and(eq(orderAllocations.orderId, orderLines.orderId), eq(orderAllocations.lineVariantId, orderLines.variantId)));
const linesJson = db
  .select({
    lines: sql<OrderLineView[]>`coalesce(json_agg(json_build_object(
      'productId', ${orderLines.productId}, 'variantId', ${orderLines.variantId}, 'sku', ${orderLines.sku},
      'options', ${orderLines.options}, 'slug', ${products.slug}, 'name', ${orderLines.name},
      'quantity', ${orderLines.quantity}, 'unitPriceCents', ${orderLines.unitPriceCents},
      'refunded', ${orderLines.refunded}, 'returned', ${orderLines.returned},
      'allocations', (${allocationsJson})) order by ${orderLines.name}, ${orderLines.sku}), '[]')`,
  })
  .from(orderLines)
  .innerJoin(products, eq(products.id, orderLines.productId))
  .where(eq(orderLines.orderId, orders.id));

/** The orders' query, unrun (its plan is checked in tests/growth: the newest page comes from orders_created_idx). */
export function ordersQuery(where: SQL | undefined, limit = 200, order: SQL[] = [desc(orders.createdAt), desc(orders.id)]) {
  return db
    .select({
      id: orders.id,
      checkoutId: orders.checkoutId,
      status: orders.status,
      totalCents: orders.totalCents,
      refundedCents: orders.refundedCents,
      email: orders.email,
      shopper: { id: users.id, email: sql<string | null>`coalesce(${users.email}, ${orders.email})`, guest: sql<boolean>`${users.kind} = 'guest'` },
      createdAt: orders.createdAt,
      fulfilledAt: orders.fulfilledAt,
      cancelledAt: orders.cancelledAt,
      paymentStatus: sql<PaymentStatus | null>`(${db.select({ status: payments.status }).from(payments).where(eq(payments.orderId, orders.id))})`,
      delivery: checkouts.details,
      lines: sql<OrderLineView[]>`${linesJson}`,
    })
    .from(orders)
    .innerJoin(users, eq(users.id, orders.shopperId))
    .innerJoin(checkouts, eq(checkouts.id, orders.checkoutId))
    .where(where)
    .orderBy(...order)
    .limit(limit);
}

async function queryOrders(where: SQL | undefined, limit = 200, order: SQL[] = [desc(orders.createdAt), desc(orders.id)]): Promise<OrderView[]> {
  const rows = await ordersQuery(where, limit, order);
  const shipDates = await orderShipDates(rows.map((r) => r.id));
  return rows.map((r) => ({
    ...r,
    lines: r.lines.map((line) => ({
      ...line,
      expectedAt: shipDates.get(r.id)?.get(line.variantId) ?? null,
      fulfilled: shippingOf(line.allocations, line.quantity).fulfilled,
    })),
    createdAt: r.createdAt.toISOString(),
    fulfilledAt: r.fulfilledAt?.toISOString() ?? null,
    cancelledAt: r.cancelledAt?.toISOString() ?? null,
  }));
}

/** A shopper's own order; someone else's is "not found", never "forbidden". */
export async function getOrderForShopper(orderId: string, shopperId: string): Promise<OrderView> {
  if (!isUuid(orderId)) throw notFound("order");
  const [order] = await queryOrders(and(eq(orders.id, orderId), eq(orders.shopperId, shopperId)), 1);
  if (!order) throw notFound("order");
  return order;
}

/**
 * An order by id, for a caller who proved access another way: an order link's key (./access.ts) or a
 * guest lookup by email and number (./guest.ts).
 */
export async function getOrderWithAccess(orderId: string): Promise<Omit<OrderView, "shopper">> {
  if (!isUuid(orderId)) throw notFound("order");
  const [order] = await queryOrders(eq(orders.id, orderId), 1);
  if (!order) throw notFound("order");
  const { shopper: _shopper, ...view } = order;
  return view;
}

export function listOrdersForShopper(shopperId: string): Promise<OrderView[]> {
  return queryOrders(eq(orders.shopperId, shopperId));
}

/** One order by id, whoever placed it (admin views); undefined when there is none. */
export async function findOrderById(orderId: string): Promise<OrderView | undefined> {
  const [order] = await queryOrders(eq(orders.id, orderId), 1);
  return order;
}

const ordersOrder: AnchoredOrder = {
  list: "orders",
  direction: "desc",
  columns: [orders.createdAt, orders.id],
  anchor: (id) => db.select({ createdAt: orders.createdAt, id: orders.id }).from(orders).where(eq(orders.id, id)),
};

/**
 * A page of every order, newest first: optionally only one status, or those whose email or order number
 * contains `q`. A bad cursor is a 400 `invalid_request`.
 */
export async function listOrdersPage(
  filter: { status?: OrderStatus; q?: string; cursor?: string; limit?: number } = {},
): Promise<Page<OrderView>> {
  const cursor = filter.cursor ? decodeAnchoredCursor(filter.cursor, ordersOrder) : null;
  const limit = filter.limit ?? 50;
  const q = filter.q?.trim();
  const pattern = q ? containsPattern(q) : undefined;
  const where = and(
    filter.status ? eq(orders.status, filter.status) : undefined,
    pattern ? or(ilike(sql`coalesce(${users.email}, ${orders.email})`, pattern), ilike(sql`${orders.id}::text`, pattern)) : undefined,
    cursor ? anchoredCondition(ordersOrder, cursor) : undefined,
  );
  const rows = await queryOrders(where, limit + 1, [anchoredOrderBy(ordersOrder, cursor?.direction)]);
  return toAnchoredPage(rows, limit, ordersOrder, cursor);
}
