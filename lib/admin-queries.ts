/**
 * What admins read: stock at a glance, the holds with their shoppers and time left, and the stock ledger with
 * who or what caused each movement. Read-only; every change goes through lib/inventory, checkout and orders.
 */
import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { db } from "@/db/client";
import type { MovementKind, ReservationStatus } from "@/db/schema";
import { notFound } from "./errors";
import { listStockLevels, type StockLevelView } from "./inventory";

/** At or below this many available units a product counts as running low. */
export const LOW_STOCK_THRESHOLD = 3;

const iso = (pgTimestamp: string) => new Date(pgTimestamp).toISOString();

/** The database's clock: countdowns are drawn against it, whatever the admin's own clock says. */
export async function databaseTime(): Promise<string> {
  const [row] = await db.execute<{ now: string }>(sql`select to_json(clock_timestamp()) #>> '{}' as now`);
  return iso(row!.now);
}

export type StockRow = StockLevelView & { low: boolean; soldOut: boolean };

export interface StockOverview {
  products: StockRow[];
  totals: {
    products: number;
    onHand: number;
    reserved: number;
    allocated: number;
    available: number;
    low: number;
    soldOut: number;
  };
  serverTime: string;
}

/** Every product's levels (holds whose time is up count as released), flagged low or sold out, with totals. */
export async function stockOverview(): Promise<StockOverview> {
  const [levels, serverTime] = await Promise.all([listStockLevels(), databaseTime()]);
  const products = levels.map((p) => ({
    ...p,
    low: p.available > 0 && p.available <= LOW_STOCK_THRESHOLD,
    soldOut: p.available === 0,
  }));
  const sum = (pick: (p: StockRow) => number) => products.reduce((total, p) => total + pick(p), 0);
  return {
    products,
    totals: {
      products: products.length,
      onHand: sum((p) => p.onHand),
      reserved: sum((p) => p.reserved),
      allocated: sum((p) => p.allocated),
      available: sum((p) => p.available),
      low: products.filter((p) => p.low).length,
      soldOut: products.filter((p) => p.soldOut).length,
    },
    serverTime,
  };
}

export type ReservationView = {
  id: string;
  checkoutId: string;
  productId: string;
  productName: string;
  productSlug: string;
  quantity: number;
  shopper: { id: string; email: string | null; guest: boolean };
  /** As shoppers see it: an active hold whose time is up reads as expired before anyone sweeps it. */
  status: ReservationStatus;
  expiresAt: string;
  createdAt: string;
  endedAt: string | null;
};

const reservationStatusSql = sql`
  case when r.status = 'active' and r.expires_at <= now() then 'expired' else r.status end`;

function statusFilter(status: ReservationStatus | undefined): SQL {
  switch (status) {
    case undefined:
      return sql`true`;
    case "active":
      return sql`r.status = 'active' and r.expires_at > now()`;
    case "expired":
      return sql`(r.status = 'expired' or (r.status = 'active' and r.expires_at <= now()))`;
    default:
      return sql`r.status = ${status}`;
  }
}

async function queryReservations(where: SQL, order: SQL, limit: number): Promise<ReservationView[]> {
  const rows = await db.execute<ReservationView>(sql`
    select r.id, r.checkout_id as "checkoutId", r.product_id as "productId",
      p.name as "productName", p.slug as "productSlug", r.quantity,
      json_build_object('id', u.id, 'email', coalesce(u.email, c.email), 'guest', u.kind = 'guest') as shopper,
      ${reservationStatusSql} as status,
      to_json(r.expires_at) #>> '{}' as "expiresAt",
      to_json(r.created_at) #>> '{}' as "createdAt",
      to_json(r.ended_at) #>> '{}' as "endedAt"
    from reservations r
      join users u on u.id = r.shopper_id
      join checkouts c on c.id = r.checkout_id
      join products p on p.id = r.product_id
    where ${where}
    order by ${order}
    limit ${limit}`);
  return rows.map((r) => ({
    ...r,
    expiresAt: iso(r.expiresAt),
    createdAt: iso(r.createdAt),
    endedAt: r.endedAt ? iso(r.endedAt) : null,
  }));
}

/** Holds, soonest to expire first when listing active ones, otherwise newest first. */
export async function listReservations(
  filter: { status?: ReservationStatus; productId?: string; limit?: number } = {},
): Promise<{ reservations: ReservationView[]; serverTime: string }> {
  const where = sql`${statusFilter(filter.status)} and ${filter.productId ? sql`r.product_id = ${filter.productId}` : sql`true`}`;
  const order = filter.status === "active" ? sql`r.expires_at, r.id` : sql`r.created_at desc, r.id`;
  const [reservations, serverTime] = await Promise.all([
    queryReservations(where, order, filter.limit ?? 500),
    databaseTime(),
  ]);
  return { reservations, serverTime };
}

export async function getReservation(reservationId: string): Promise<ReservationView> {
  const [reservation] = await queryReservations(sql`r.id = ${reservationId}`, sql`r.id`, 1);
  if (!reservation) throw notFound("reservation");
  return reservation;
}

export interface MovementView {
  id: number;
  productId: string;
  productName: string;
  kind: MovementKind;
  onHandDelta: number;
  reservedDelta: number;
  allocatedDelta: number;
  /** The change in units free to sell: on hand minus reserved minus allocated. */
  availableDelta: number;
  reason: string | null;
  checkoutId: string | null;
  orderId: string | null;
  /** The account that made the change, when one did. */
  actor: { id: string; email: string | null; kind: "guest" | "shopper" | "admin" } | null;
  /** Who or what caused it, in words. */
  causedBy: string;
  createdAt: string;
}

type MovementRow = Omit<MovementView, "causedBy"> & { checkoutShopper: { email: string | null; guest: boolean } | null };

function describeCause(m: MovementRow): string {
  if (m.actor) {
    if (m.actor.kind === "admin") return `admin ${m.actor.email ?? ""}`.trim();
    if (m.actor.kind === "guest") return m.checkoutShopper?.email ? `guest ${m.checkoutShopper.email}` : "guest";
    return `shopper ${m.actor.email ?? ""}`.trim();
  }
  if (m.kind === "expire") return "hold expiry";
  if (m.checkoutShopper) {
    const who = m.checkoutShopper.guest ? "guest" : "shopper";
    return m.checkoutShopper.email ? `${who} ${m.checkoutShopper.email}` : who;
  }
  // Opening stock of the seeded catalogue, and changes made with the admin API token.
  return "system or API token";
}

/** The stock ledger, newest first; one product's or every product's, or one order's (its holds, sale, shipping). */
export async function listMovements(
  filter: { productId?: string; orderId?: string; limit?: number } = {},
): Promise<MovementView[]> {
  const rows = await db.execute<MovementRow>(sql`
    select m.id::int as id, m.product_id as "productId", p.name as "productName", m.kind,
      m.on_hand_delta as "onHandDelta", m.reserved_delta as "reservedDelta", m.allocated_delta as "allocatedDelta",
      m.on_hand_delta - m.reserved_delta - m.allocated_delta as "availableDelta",
      m.reason, m.checkout_id as "checkoutId", m.order_id as "orderId",
      case when a.id is null then null
        else json_build_object('id', a.id, 'email', a.email, 'kind', a.kind) end as actor,
      case when c.id is null then null
        else json_build_object('email', coalesce(s.email, c.email), 'guest', s.kind = 'guest') end as "checkoutShopper",
      to_json(m.created_at) #>> '{}' as "createdAt"
    from stock_movements m
      join products p on p.id = m.product_id
      left join users a on a.id = m.actor_id
      left join checkouts c on c.id = m.checkout_id
      left join users s on s.id = c.shopper_id
    where ${filter.productId ? sql`m.product_id = ${filter.productId}` : sql`true`}
      and ${
        filter.orderId
          ? sql`(m.order_id = ${filter.orderId} or m.checkout_id = (select checkout_id from orders where id = ${filter.orderId}))`
          : sql`true`
      }
    order by m.id desc
    limit ${filter.limit ?? 200}`);
  return rows.map((row) => {
    const { checkoutShopper: _shopper, ...movement } = row;
    return { ...movement, causedBy: describeCause(row), createdAt: iso(row.createdAt) };
  });
}

export type AvailablePoint = {
  movementId: number;
  at: string;
  available: number;
};

/**
 * Available stock after each of the product's latest movements, oldest first: the running sum of the ledger's
 * deltas (on hand − reserved − allocated). Holds past their time count until the sweep or a writer ends them.
 */
export async function availableSeries(productId: string, points = 200): Promise<AvailablePoint[]> {
  const rows = await db.execute<AvailablePoint>(sql`
    select id::int as "movementId", to_json(created_at) #>> '{}' as at, available from (
      select id, created_at,
        (sum(on_hand_delta - reserved_delta - allocated_delta) over (order by id))::int as available
      from stock_movements where product_id = ${productId}
    ) ledger
    order by id desc
    limit ${points}`);
  return rows.reverse().map((r) => ({ ...r, at: iso(r.at) }));
}

export type ProductChoice = {
  id: string;
  name: string;
  slug: string;
};

/** Products by name, for pickers. */
export async function listProductChoices(): Promise<ProductChoice[]> {
  return db.execute<ProductChoice>(sql`select id, name, slug from products order by name, id`) as Promise<ProductChoice[]>;
}

export async function getProductChoice(productId: string): Promise<ProductChoice> {
  const [product] = await db.execute<ProductChoice>(sql`select id, name, slug from products where id = ${productId}`);
  if (!product) throw notFound("product");
  return product;
}
