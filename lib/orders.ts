/** Orders: what a paid checkout became, and fulfilment (allocated stock leaves the shelf). */
import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { db } from "@/db/client";
import type { OrderStatus } from "@/db/schema";
import { DomainError, notFound } from "./errors";
import { isUuid } from "./ids";
import { lockStockRows } from "./inventory";
import { anchoredCondition, anchoredOrderBy, containsPattern, decodeAnchoredCursor, toAnchoredPage, type AnchoredOrder, type Page } from "./paging";

export interface OrderLineView {
  productId: string;
  slug: string;
  name: string;
  quantity: number;
  unitPriceCents: number;
}

export interface OrderView {
  id: string;
  checkoutId: string;
  status: OrderStatus;
  totalCents: number;
  email: string | null;
  shopper: { id: string; email: string | null; guest: boolean };
  createdAt: string;
  fulfilledAt: string | null;
  lines: OrderLineView[];
  /** Delivery details given at checkout (name, address, city, postcode, country). */
  delivery: Record<string, string>;
}


async function queryOrders(where: SQL, limit = 200, order: SQL = sql`o.created_at desc, o.id desc`): Promise<OrderView[]> {
  const rows = await db.execute<Omit<OrderView, "createdAt" | "fulfilledAt"> & { createdAt: string; fulfilledAt: string | null }>(sql`
    select o.id, o.checkout_id as "checkoutId", o.status, o.total_cents as "totalCents", o.email,
      json_build_object('id', u.id, 'email', coalesce(u.email, o.email), 'guest', u.kind = 'guest') as shopper,
      to_json(o.created_at) #>> '{}' as "createdAt",
      to_json(o.fulfilled_at) #>> '{}' as "fulfilledAt",
      (select c.details from checkouts c where c.id = o.checkout_id) as delivery,
      (select coalesce(json_agg(json_build_object(
          'productId', ol.product_id, 'slug', p.slug, 'name', p.name,
          'quantity', ol.quantity, 'unitPriceCents', ol.unit_price_cents) order by p.name), '[]')
        from order_lines ol join products p on p.id = ol.product_id where ol.order_id = o.id) as lines
    from orders o join users u on u.id = o.shopper_id
    where ${where}
    order by ${order}
    limit ${limit}`);
  return rows.map((r) => ({
    ...r,
    // bigint arrives as a string from raw SQL; every allowed total is far below 2^53.
    totalCents: Number(r.totalCents),
    createdAt: new Date(r.createdAt).toISOString(),
    fulfilledAt: r.fulfilledAt ? new Date(r.fulfilledAt).toISOString() : null,
  }));
}

/** A shopper's own order; someone else's is "not found", never "forbidden". */
export async function getOrderForShopper(orderId: string, shopperId: string): Promise<OrderView> {
  if (!isUuid(orderId)) throw notFound("order");
  const [order] = await queryOrders(sql`o.id = ${orderId} and o.shopper_id = ${shopperId}`, 1);
  if (!order) throw notFound("order");
  return order;
}

/**
 * An order by id, for a caller who proved access another way: an order link's key (lib/order-access.ts) or a
 * guest lookup by email and number (lib/guest-orders.ts).
 */
export async function getOrderWithAccess(orderId: string): Promise<Omit<OrderView, "shopper">> {
  if (!isUuid(orderId)) throw notFound("order");
  const [order] = await queryOrders(sql`o.id = ${orderId}`, 1);
  if (!order) throw notFound("order");
  const { shopper: _shopper, ...view } = order;
  return view;
}

export function listOrdersForShopper(shopperId: string): Promise<OrderView[]> {
  return queryOrders(sql`o.shopper_id = ${shopperId}`);
}

/** One order by id, whoever placed it (admin views); undefined when there is none. */
export async function findOrderById(orderId: string): Promise<OrderView | undefined> {
  const [order] = await queryOrders(sql`o.id = ${orderId}`, 1);
  return order;
}

export function listAllOrders(filter: { status?: OrderStatus } = {}): Promise<OrderView[]> {
  return queryOrders(filter.status ? sql`o.status = ${filter.status}` : sql`true`, 500);
}

const ordersOrder: AnchoredOrder = {
  list: "orders",
  direction: "desc",
  columns: [sql`o.created_at`, sql`o.id`],
  anchor: (id) => sql`select created_at, id from orders where id = ${id}::uuid`,
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
  const conditions: SQL[] = [filter.status ? sql`o.status = ${filter.status}` : sql`true`];
  const q = filter.q?.trim();
  if (q) {
    const pattern = containsPattern(q);
    conditions.push(sql`(coalesce(u.email, o.email) ilike ${pattern} or o.id::text ilike ${pattern})`);
  }
  if (cursor) conditions.push(anchoredCondition(ordersOrder, cursor));
  const rows = await queryOrders(sql.join(conditions, sql` and `), limit + 1, anchoredOrderBy(ordersOrder, cursor?.direction));
  return toAnchoredPage(rows, limit, ordersOrder, cursor);
}

/** Ships an order: its allocated units leave the shelf (on hand and allocated both drop). Idempotent. */
export async function fulfilOrder(orderId: string, actorId: string | null): Promise<OrderView> {
  if (!isUuid(orderId)) throw notFound("order");
  await db.transaction(async (tx) => {
    const [order] = await tx.execute<{ status: OrderStatus }>(sql`
      select status from orders where id = ${orderId} for update`);
    if (!order) throw notFound("order");
    if (order.status === "fulfilled") return;
    const lines = await tx.execute<{ product_id: string }>(sql`
      select product_id from order_lines where order_id = ${orderId}`);
    await lockStockRows(
      tx,
      lines.map((l) => l.product_id),
    );
    await tx.execute(sql`
      with shipped as (
        select product_id, quantity from order_lines where order_id = ${orderId}
      ), levels as (
        update stock_levels s
        set on_hand = s.on_hand - sh.quantity, allocated = s.allocated - sh.quantity, updated_at = now()
        from shipped sh where s.product_id = sh.product_id
      )
      insert into stock_movements (product_id, kind, on_hand_delta, allocated_delta, order_id, actor_id, reason)
      select product_id, 'fulfil', -quantity, -quantity, ${orderId}, ${actorId}, 'order fulfilled' from shipped`);
    await tx.execute(sql`update orders set status = 'fulfilled', fulfilled_at = now() where id = ${orderId}`);
  });
  const [order] = await queryOrders(sql`o.id = ${orderId}`, 1);
  if (!order) throw new DomainError("not_found", "No such order.");
  return order;
}
