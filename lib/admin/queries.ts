/**
 * What admins read: stock at a glance, the holds with their shoppers and time left, and the stock ledger with
 * who or what caused each movement. Read-only; every change goes through lib/inventory, checkout and orders.
 */
import "server-only";
import { and, asc, between, desc, eq, gt, ilike, lte, or, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { db } from "@/db/client";
import {
  checkouts,
  orders,
  products,
  reservations,
  stockLevels,
  stockMovements,
  users,
  type MovementKind,
  type ReservationStatus,
} from "@/db/schema";
import { isActiveHold, lapsedHold } from "../inventory/availability";
import { searchCondition } from "../catalog";
import { notFound } from "../platform/errors";
import { listStockLevels, type StockLevelView } from "../inventory";
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
} from "../platform/paging";
import { isoTime } from "../../db/sql-parts";

/** At or below this many available units a product counts as running low. */
export const LOW_STOCK_THRESHOLD = 3;

/** The database's clock now, as ISO 8601. */
const clockNow = () => sql<string>`clock_timestamp()`.mapWith(isoTime);

/** The database's clock: countdowns are drawn against it, whatever the admin's own clock says. */
export async function databaseTime(): Promise<string> {
  // Raw SQL: a select without a table, which the query builder cannot say.
  const [row] = await db.execute<{ now: string }>(sql`select clock_timestamp() as now`);
  return isoTime(row!.now);
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

/** Units in active holds whose time is up, per product. */
const lapsedByProduct = db
  .select({ productId: reservations.productId, quantity: sql<number>`sum(${reservations.quantity})::int`.as("lapsed_quantity") })
  .from(reservations)
  .where(lapsedHold)
  .groupBy(reservations.productId);

/**
 * Levels of every product as shoppers see them (holds whose time is up count as released): one grouped read of
 * the lapsed holds instead of a lookup per product, so the totals of 10,000 products stay cheap.
 */
const lapsedHolds = lapsedByProduct.as("l");
const levels = db.$with("levels").as(
  db
    .select({
      productId: stockLevels.productId,
      onHand: stockLevels.onHand,
      reserved: sql<number>`${stockLevels.reserved} - coalesce(${lapsedHolds.quantity}, 0)`.as("reserved"),
      allocated: stockLevels.allocated,
      available: sql<number>`greatest(0, ${stockLevels.onHand} - ${stockLevels.allocated} - ${stockLevels.reserved} + coalesce(${lapsedHolds.quantity}, 0))`.as(
        "available",
      ),
    })
    .from(stockLevels)
    .leftJoin(lapsedHolds, eq(lapsedHolds.productId, stockLevels.productId)),
);

const filterCondition: Record<StockFilter, SQL | undefined> = {
  all: undefined,
  low: and(gt(levels.available, 0), lte(levels.available, LOW_STOCK_THRESHOLD)),
  sold_out: eq(levels.available, 0),
  held: gt(levels.reserved, 0),
};

const stockOrder: KeysetOrder = {
  list: "stock",
  direction: "asc",
  keys: [
    { expression: products.name, type: "text", validate: isText },
    { expression: products.id, type: "uuid", validate: isUuid },
  ],
};

/** How many rows of the group meet the condition. */
const countWhere = (condition: SQL) => sql<number>`(count(*) filter (where ${condition}))::int`;

/**
 * The whole shop's totals, summed in SQL over stock_levels alone, then corrected for the few products with holds
 * whose time is up (they count as released already), so 10,000 products cost one plain scan. Needs no
 * greatest(0, …): the table's CHECK keeps reserved + allocated ≤ on hand.
 */
async function stockTotals(): Promise<{ totals: StockTotals; serverTime: string }> {
  const free = sql<number>`${stockLevels.onHand} - ${stockLevels.allocated} - ${stockLevels.reserved}`;
  const lapsed = db.$with("lapsed").as(lapsedByProduct);
  // Sums as float8: exact for whole numbers up to 2^53, and no integer overflow however large the shop.
  const plain = db.$with("plain").as(
    db
      .select({
        products: sql<number>`count(*)::int`.as("products"),
        onHand: sql<number>`coalesce(sum(${stockLevels.onHand}), 0)::float8`.as("on_hand"),
        reserved: sql<number>`coalesce(sum(${stockLevels.reserved}), 0)::float8`.as("reserved"),
        allocated: sql<number>`coalesce(sum(${stockLevels.allocated}), 0)::float8`.as("allocated"),
        low: countWhere(between(free, 1, LOW_STOCK_THRESHOLD)).as("low"),
        soldOut: countWhere(eq(free, 0)).as("sold_out"),
        held: countWhere(gt(stockLevels.reserved, 0)).as("held"),
      })
      .from(stockLevels),
  );
  // The products with lapsed holds, before and after counting those holds as released.
  const changed = db.$with("lapsed_levels").as(
    db
      .select({
        before: sql<number>`${free}`.as("before"),
        after: sql<number>`${free} + ${lapsed.quantity}`.as("after"),
        reservedBefore: sql<number>`${stockLevels.reserved}`.as("reserved_before"),
        reservedAfter: sql<number>`${stockLevels.reserved} - ${lapsed.quantity}`.as("reserved_after"),
        quantity: lapsed.quantity,
      })
      .from(lapsed)
      .innerJoin(stockLevels, eq(stockLevels.productId, lapsed.productId)),
  );
  // How a count changes when the lapsed holds are released: the products counted after, less those before.
  const change = (before: SQL, after: SQL) => sql<number>`${countWhere(after)} - ${countWhere(before)}`;
  const correction = db.$with("correction").as(
    db
      .select({
        lapsed: sql<number>`coalesce(sum(${changed.quantity}), 0)::float8`.as("lapsed_units"),
        low: change(between(changed.before, 1, LOW_STOCK_THRESHOLD), between(changed.after, 1, LOW_STOCK_THRESHOLD)).as("low_change"),
        soldOut: change(eq(changed.before, 0), eq(changed.after, 0)).as("sold_out_change"),
        held: change(gt(changed.reservedBefore, 0), gt(changed.reservedAfter, 0)).as("held_change"),
      })
      .from(changed),
  );
  const [row] = await db
    .with(lapsed, plain, changed, correction)
    .select({
      products: plain.products,
      onHand: plain.onHand,
      reserved: sql<number>`${plain.reserved} - ${correction.lapsed}`,
      allocated: plain.allocated,
      available: sql<number>`${plain.onHand} - ${plain.allocated} - ${plain.reserved} + ${correction.lapsed}`,
      low: sql<number>`${plain.low} + ${correction.low}`,
      soldOut: sql<number>`${plain.soldOut} + ${correction.soldOut}`,
      held: sql<number>`${plain.held} + ${correction.held}`,
      serverTime: clockNow(),
    })
    .from(plain)
    .crossJoin(correction);
  const { serverTime, ...totals } = row!;
  return { totals, serverTime };
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
  const [rows, { totals, serverTime }] = await Promise.all([
    db
      .with(levels)
      .select({
        id: products.id,
        slug: products.slug,
        name: products.name,
        priceCents: products.priceCents,
        onHand: levels.onHand,
        reserved: levels.reserved,
        allocated: levels.allocated,
        available: levels.available,
      })
      .from(products)
      .innerJoin(levels, eq(levels.productId, products.id))
      .where(and(filterCondition[page.filter ?? "all"], searchCondition(page.q), cursor ? keysetCondition(stockOrder, cursor) : undefined))
      .orderBy(...keysetOrderBy(stockOrder, cursor?.direction))
      .limit(limit + 1),
    stockTotals(),
  ]);
  const paged = toPage(rows, limit, stockOrder, cursor, (row) => [row.name, row.id]);
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

function statusFilter(status: ReservationStatus | undefined): SQL | undefined {
  switch (status) {
    case undefined:
      return undefined;
    case "active":
      return and(isActiveHold, gt(reservations.expiresAt, sql`now()`));
    case "expired":
      return or(eq(reservations.status, "expired"), lapsedHold);
    default:
      return eq(reservations.status, status);
  }
}

async function queryReservations(where: SQL | undefined, order: SQL, limit: number): Promise<ReservationView[]> {
  const rows = await db
    .select({
      id: reservations.id,
      checkoutId: reservations.checkoutId,
      productId: reservations.productId,
      productName: products.name,
      productSlug: products.slug,
      quantity: reservations.quantity,
      shopper: { id: users.id, email: sql<string | null>`coalesce(${users.email}, ${checkouts.email})`, guest: sql<boolean>`${users.kind} = 'guest'` },
      status: sql<ReservationStatus>`case when ${lapsedHold} then 'expired' else ${reservations.status} end`,
      expiresAt: reservations.expiresAt,
      createdAt: reservations.createdAt,
      endedAt: reservations.endedAt,
    })
    .from(reservations)
    .innerJoin(users, eq(users.id, reservations.shopperId))
    .innerJoin(checkouts, eq(checkouts.id, reservations.checkoutId))
    .innerJoin(products, eq(products.id, reservations.productId))
    .where(where)
    .orderBy(order)
    .limit(limit);
  return rows.map((r) => ({
    ...r,
    expiresAt: r.expiresAt.toISOString(),
    createdAt: r.createdAt.toISOString(),
    endedAt: r.endedAt?.toISOString() ?? null,
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
        columns: [reservations.expiresAt, reservations.id],
        anchor: (id) => db.select({ expiresAt: reservations.expiresAt, id: reservations.id }).from(reservations).where(eq(reservations.id, id)),
      }
    : {
        list: "holds",
        direction: "desc",
        columns: [reservations.createdAt, reservations.id],
        anchor: (id) => db.select({ createdAt: reservations.createdAt, id: reservations.id }).from(reservations).where(eq(reservations.id, id)),
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
  const pattern = filter.q?.trim() ? containsPattern(filter.q) : undefined;
  const where = and(
    statusFilter(filter.status),
    filter.productId ? eq(reservations.productId, filter.productId) : undefined,
    pattern ? or(ilike(products.name, pattern), ilike(sql`coalesce(${users.email}, ${checkouts.email})`, pattern)) : undefined,
    cursor ? anchoredCondition(order, cursor) : undefined,
  );
  const [rows, serverTime] = await Promise.all([
    queryReservations(where, anchoredOrderBy(order, cursor?.direction), limit + 1),
    databaseTime(),
  ]);
  const page = toAnchoredPage(rows, limit, order, cursor);
  return { reservations: page.rows, serverTime, nextCursor: page.nextCursor, prevCursor: page.prevCursor };
}

export async function getReservation(reservationId: string): Promise<ReservationView> {
  const [reservation] = await queryReservations(eq(reservations.id, reservationId), asc(reservations.id), 1);
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

/** A movement's change in units free to sell. */
export const availableDelta = sql<number>`${stockMovements.onHandDelta} - ${stockMovements.reservedDelta} - ${stockMovements.allocatedDelta}`;

type MovementRow = Omit<MovementView, "causedBy" | "createdAt"> & {
  createdAt: Date;
  checkoutShopper: { kind: "guest" | "shopper" | "admin"; email: string | null } | null;
};

function describeCause(m: MovementRow): string {
  if (m.actor) {
    if (m.actor.kind === "admin") return `admin ${m.actor.email ?? ""}`.trim();
    if (m.actor.kind === "guest") return m.checkoutShopper?.email ? `guest ${m.checkoutShopper.email}` : "guest";
    return `shopper ${m.actor.email ?? ""}`.trim();
  }
  if (m.kind === "expire") return "hold expiry";
  if (m.checkoutShopper) {
    const who = m.checkoutShopper.kind === "guest" ? "guest" : "shopper";
    return m.checkoutShopper.email ? `${who} ${m.checkoutShopper.email}` : who;
  }
  // Opening stock of the seeded catalogue, and changes made with the admin API token.
  return "system or API token";
}

const movementsOrder: KeysetOrder = {
  list: "ledger",
  direction: "desc",
  keys: [{ expression: stockMovements.id, type: "bigint", validate: isWholeNumber }],
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
  const m = stockMovements;
  const actor = alias(users, "actor");
  const checkoutShopper = alias(users, "checkout_shopper");
  const rows: MovementRow[] = await db
    .select({
      id: m.id,
      productId: m.productId,
      productName: products.name,
      kind: m.kind,
      onHandDelta: m.onHandDelta,
      reservedDelta: m.reservedDelta,
      allocatedDelta: m.allocatedDelta,
      availableDelta,
      reason: m.reason,
      checkoutId: m.checkoutId,
      orderId: m.orderId,
      // Null when no account made the change, or the movement has no checkout (Drizzle reads a left-joined
      // table's missing row as a null object).
      actor: { id: actor.id, email: actor.email, kind: actor.kind },
      checkoutShopper: { kind: checkoutShopper.kind, email: sql<string | null>`coalesce(${checkoutShopper.email}, ${checkouts.email})` },
      createdAt: m.createdAt,
    })
    .from(m)
    .innerJoin(products, eq(products.id, m.productId))
    .leftJoin(actor, eq(actor.id, m.actorId))
    .leftJoin(checkouts, eq(checkouts.id, m.checkoutId))
    .leftJoin(checkoutShopper, eq(checkoutShopper.id, checkouts.shopperId))
    .where(
      and(
        filter.productId ? eq(m.productId, filter.productId) : undefined,
        filter.orderId
          ? or(eq(m.orderId, filter.orderId), eq(m.checkoutId, db.select({ checkoutId: orders.checkoutId }).from(orders).where(eq(orders.id, filter.orderId))))
          : undefined,
        filter.after,
      ),
    )
    .orderBy(filter.order ?? desc(m.id))
    .limit(filter.limit ?? 200);
  return rows.map((row) => {
    const { checkoutShopper: _shopper, ...movement } = row;
    return { ...movement, causedBy: describeCause(row), createdAt: row.createdAt.toISOString() };
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
  const ledger = db
    .select({
      id: stockMovements.id,
      createdAt: stockMovements.createdAt,
      available: sql<number>`(sum(${availableDelta}) over (order by ${stockMovements.id}))::int`.as("available"),
    })
    .from(stockMovements)
    .where(eq(stockMovements.productId, productId))
    .as("ledger");
  const rows = await db
    .select({ movementId: ledger.id, at: ledger.createdAt, available: ledger.available })
    .from(ledger)
    .orderBy(desc(ledger.id))
    .limit(points);
  return rows.reverse().map((r) => ({ ...r, at: r.at.toISOString() }));
}

export type ProductChoice = {
  id: string;
  name: string;
  slug: string;
};

const productChoiceFields = { id: products.id, name: products.name, slug: products.slug };

/** Products by name, for pickers: the first `limit`, or those matching a search (as the catalogue's search). */
export function listProductChoices(filter: { id?: string; q?: string; limit?: number } = {}): Promise<ProductChoice[]> {
  return db
    .select(productChoiceFields)
    .from(products)
    .where(and(searchCondition(filter.q), filter.id ? eq(products.id, filter.id) : undefined))
    .orderBy(products.name, products.id)
    .limit(filter.limit ?? 1000);
}

export async function getProductChoice(productId: string): Promise<ProductChoice> {
  const [product] = await db.select(productChoiceFields).from(products).where(eq(products.id, productId));
  if (!product) throw notFound("product");
  return product;
}
