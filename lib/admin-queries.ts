/**
 * What admins read: stock at a glance, the holds with their shoppers and time left, and the stock ledger with
 * who or what caused each movement. Read-only; every change goes through lib/inventory, checkout and orders.
 */
import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { db } from "@/db/client";
import type { MovementKind, ReservationStatus } from "@/db/schema";
import { searchCondition } from "./catalog";
import { notFound } from "./errors";
import { listStockLevels, type StockLevelView } from "./inventory";
import {
  anchoredCondition,
  anchoredOrderBy,
  containsPattern,
  decodeAnchoredCursor,
  decodeCursor,
  isText,
  isUuid,
  isWholeNumber,
  keysetCondition,
  keysetOrderBy,
  toAnchoredPage,
  toPage,
  type AnchoredOrder,
  type KeysetOrder,
} from "./paging";

/** At or below this many available units a product counts as running low. */
export const LOW_STOCK_THRESHOLD = 3;

const iso = (pgTimestamp: string) => new Date(pgTimestamp).toISOString();

/** The database's clock: countdowns are drawn against it, whatever the admin's own clock says. */
export async function databaseTime(): Promise<string> {
  const [row] = await db.execute<{ now: string }>(sql`select to_json(clock_timestamp()) #>> '{}' as now`);
  return iso(row!.now);
}

export type StockRow = StockLevelView & { low: boolean; soldOut: boolean };

export type StockTotals = {
  products: number;
  onHand: number;
  reserved: number;
  allocated: number;
  available: number;
  low: number;
  soldOut: number;
  /** Products with units in live holds right now. */
  held: number;
};

export interface StockOverview {
  products: StockRow[];
  /** The whole shop's totals, whatever page or filter is shown. */
  totals: StockTotals;
  serverTime: string;
  /** Set when a page was asked for: the cursors of the pages around it (null at either end). */
  nextCursor?: string | null;
  prevCursor?: string | null;
}

export const stockFilters = ["all", "low", "sold_out", "held"] as const;
export type StockFilter = (typeof stockFilters)[number];

export interface StockPageQuery {
  q?: string;
  filter?: StockFilter;
  cursor?: string;
  limit?: number;
}

/** Products per page of the stock dashboard (and the largest page the admin API gives). */
export const STOCK_PAGE_SIZE = 50;
export const MAX_STOCK_PAGE = 500;

/**
 * Levels of every product as shoppers see them (holds whose time is up count as released): one grouped read of
 * the lapsed holds instead of a lookup per product, so the totals of 10,000 products stay cheap.
 */
const levelsCte = sql`levels as (
  select s.product_id, s.on_hand,
    s.reserved - coalesce(l.quantity, 0) as reserved,
    s.allocated,
    greatest(0, s.on_hand - s.allocated - s.reserved + coalesce(l.quantity, 0)) as available
  from stock_levels s
  left join (
    select product_id, sum(quantity)::int as quantity from reservations
    where status = 'active' and expires_at <= now()
    group by product_id
  ) l on l.product_id = s.product_id
)`;

const filterSql: Record<StockFilter, SQL> = {
  all: sql`true`,
  low: sql`v.available > 0 and v.available <= ${LOW_STOCK_THRESHOLD}`,
  sold_out: sql`v.available = 0`,
  held: sql`v.reserved > 0`,
};

const stockOrder: KeysetOrder = {
  list: "stock",
  direction: "asc",
  keys: [
    { expression: sql`p.name`, type: "text", validate: isText },
    { expression: sql`p.id`, type: "uuid", validate: isUuid },
  ],
};

/**
 * The whole shop's totals, summed in SQL over stock_levels alone, then corrected for the few products with holds
 * whose time is up (they count as released already), so 10,000 products cost one plain scan. Needs no
 * greatest(0, …): the table's CHECK keeps reserved + allocated ≤ on hand. Raw SQL: FILTER aggregates over CTEs.
 */
async function stockTotals(): Promise<{ totals: StockTotals; serverTime: string }> {
  const [row] = await db.execute<StockTotals & { serverTime: string }>(sql`
    with lapsed as (
      select product_id, sum(quantity)::int as quantity from reservations
      where status = 'active' and expires_at <= now()
      group by product_id
    ), plain as (
      -- Sums as float8: exact for whole numbers up to 2^53, and no integer overflow however large the shop.
      select count(*)::int as products, coalesce(sum(on_hand), 0)::float8 as on_hand,
        coalesce(sum(reserved), 0)::float8 as reserved, coalesce(sum(allocated), 0)::float8 as allocated,
        (count(*) filter (where on_hand - allocated - reserved between 1 and ${LOW_STOCK_THRESHOLD}))::int as low,
        (count(*) filter (where on_hand - allocated - reserved = 0))::int as sold_out,
        (count(*) filter (where reserved > 0))::int as held
      from stock_levels
    ), lapsed_levels as (
      select s.on_hand - s.allocated - s.reserved as before, s.on_hand - s.allocated - s.reserved + l.quantity as after,
        s.reserved as reserved_before, s.reserved - l.quantity as reserved_after, l.quantity
      from lapsed l join stock_levels s on s.product_id = l.product_id
    ), correction as (
      select coalesce(sum(quantity), 0)::float8 as lapsed,
        (count(*) filter (where after between 1 and ${LOW_STOCK_THRESHOLD}) - count(*) filter (where before between 1 and ${LOW_STOCK_THRESHOLD}))::int as low,
        (count(*) filter (where after = 0) - count(*) filter (where before = 0))::int as sold_out,
        (count(*) filter (where reserved_after > 0) - count(*) filter (where reserved_before > 0))::int as held
      from lapsed_levels
    )
    select plain.products, plain.on_hand as "onHand", plain.reserved - correction.lapsed as reserved,
      plain.allocated, plain.on_hand - plain.allocated - plain.reserved + correction.lapsed as available,
      plain.low + correction.low as low, plain.sold_out + correction.sold_out as "soldOut",
      plain.held + correction.held as held,
      to_json(clock_timestamp()) #>> '{}' as "serverTime"
    from plain, correction`);
  const { serverTime, ...totals } = row!;
  return { totals, serverTime: iso(serverTime) };
}

const flag = (p: StockLevelView): StockRow => ({
  ...p,
  low: p.available > 0 && p.available <= LOW_STOCK_THRESHOLD,
  soldOut: p.available === 0,
});

/**
 * Stock at a glance: products (holds whose time is up count as released), flagged low or sold out, with the
 * whole shop's totals computed in SQL. Without a page query, every product (the admin API's default answer);
 * with one, a page by name, searched and filtered (low, sold out, held), with cursors to the pages around it.
 */
export async function stockOverview(page?: StockPageQuery): Promise<StockOverview> {
  if (!page) {
    const [levels, { totals, serverTime }] = await Promise.all([listStockLevels(), stockTotals()]);
    return { products: levels.map(flag), totals, serverTime };
  }
  const limit = Math.min(Math.max(1, page.limit ?? STOCK_PAGE_SIZE), MAX_STOCK_PAGE);
  const cursor = page.cursor ? decodeCursor(page.cursor, stockOrder.list, stockOrder.keys.length) : null;
  const conditions = [filterSql[page.filter ?? "all"], searchCondition(page.q)];
  if (cursor) conditions.push(keysetCondition(stockOrder, cursor));
  const [rows, { totals, serverTime }] = await Promise.all([
    // Raw SQL: the levels CTE and the row-value keyset comparison.
    db.execute<StockLevelView>(sql`
      with ${levelsCte}
      select p.id, p.slug, p.name, p.price_cents as "priceCents",
        v.on_hand as "onHand", v.reserved, v.allocated, v.available
      from products p join levels v on v.product_id = p.id
      where ${sql.join(conditions, sql` and `)}
      order by ${sql.join(keysetOrderBy(stockOrder, cursor?.direction), sql`, `)}
      limit ${limit + 1}`),
    stockTotals(),
  ]);
  const paged = toPage([...rows], limit, stockOrder, cursor, (row) => [row.name, row.id]);
  return { products: paged.rows.map(flag), totals, serverTime, nextCursor: paged.nextCursor, prevCursor: paged.prevCursor };
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

export interface ReservationQuery {
  status?: ReservationStatus;
  productId?: string;
  /** Part of the product's name or the shopper's email. */
  q?: string;
  cursor?: string;
  limit?: number;
}


const holdsOrder = (status: ReservationStatus | undefined): AnchoredOrder =>
  status === "active"
    ? {
        list: "holds-active",
        direction: "asc",
        columns: [sql`r.expires_at`, sql`r.id`],
        anchor: (id) => sql`select expires_at, id from reservations where id = ${id}::uuid`,
      }
    : {
        list: "holds",
        direction: "desc",
        columns: [sql`r.created_at`, sql`r.id`],
        anchor: (id) => sql`select created_at, id from reservations where id = ${id}::uuid`,
      };

/**
 * Holds, soonest to expire first when listing active ones, otherwise newest first; a page of them (500 unless
 * asked otherwise) with cursors to the pages around it.
 */
export async function listReservations(
  filter: ReservationQuery = {},
): Promise<{ reservations: ReservationView[]; serverTime: string; nextCursor: string | null; prevCursor: string | null }> {
  const order = holdsOrder(filter.status);
  const cursor = filter.cursor ? decodeAnchoredCursor(filter.cursor, order) : null;
  const limit = filter.limit ?? 500;
  const conditions = [statusFilter(filter.status)];
  if (filter.productId) conditions.push(sql`r.product_id = ${filter.productId}`);
  if (filter.q?.trim()) {
    const pattern = containsPattern(filter.q);
    conditions.push(sql`(p.name ilike ${pattern} or coalesce(u.email, c.email) ilike ${pattern})`);
  }
  if (cursor) conditions.push(anchoredCondition(order, cursor));
  const [rows, serverTime] = await Promise.all([
    queryReservations(sql.join(conditions, sql` and `), anchoredOrderBy(order, cursor?.direction), limit + 1),
    databaseTime(),
  ]);
  const page = toAnchoredPage(rows, limit, order, cursor);
  return { reservations: page.rows, serverTime, nextCursor: page.nextCursor, prevCursor: page.prevCursor };
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

const movementsOrder: KeysetOrder = {
  list: "ledger",
  direction: "desc",
  keys: [{ expression: sql`m.id`, type: "bigint", validate: isWholeNumber }],
};

/** The stock ledger, newest first; one product's or every product's; a page of it, with cursors around it. */
export async function listMovementsPage(
  filter: { productId?: string; cursor?: string; limit?: number } = {},
): Promise<{ movements: MovementView[]; nextCursor: string | null; prevCursor: string | null }> {
  const cursor = filter.cursor ? decodeCursor(filter.cursor, movementsOrder.list, 1) : null;
  const limit = filter.limit ?? 200;
  const rows = await listMovements({
    productId: filter.productId,
    limit: limit + 1,
    after: cursor ? keysetCondition(movementsOrder, cursor) : undefined,
    order: keysetOrderBy(movementsOrder, cursor?.direction)[0],
  });
  const page = toPage(rows, limit, movementsOrder, cursor, (m) => [m.id]);
  return { movements: page.rows, nextCursor: page.nextCursor, prevCursor: page.prevCursor };
}

/** The stock ledger, newest first; one product's or every product's, or one order's (its holds, sale, shipping). */
export async function listMovements(
  filter: { productId?: string; orderId?: string; limit?: number; after?: SQL; order?: SQL } = {},
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
      and ${filter.after ?? sql`true`}
    order by ${filter.order ?? sql`m.id desc`}
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

/** Products by name, for pickers: the first `limit`, or those matching a search (as the catalogue's search). */
export async function listProductChoices(filter: { id?: string; q?: string; limit?: number } = {}): Promise<ProductChoice[]> {
  return db.execute<ProductChoice>(sql`
    select p.id, p.name, p.slug from products p
    where ${searchCondition(filter.q)} and ${filter.id ? sql`p.id = ${filter.id}` : sql`true`}
    order by p.name, p.id
    limit ${filter.limit ?? 1000}`) as Promise<ProductChoice[]>;
}

export async function getProductChoice(productId: string): Promise<ProductChoice> {
  const [product] = await db.execute<ProductChoice>(sql`select id, name, slug from products where id = ${productId}`);
  if (!product) throw notFound("product");
  return product;
}
