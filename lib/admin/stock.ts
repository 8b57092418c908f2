/**
 * Stock at a glance, for the admin's dashboard and the admin API: every product's levels as shoppers see them
 * (holds whose time is up count as released), flagged low or sold out, and the whole shop's totals. Read-only;
 * every change goes through lib/inventory.
 */
import "server-only";
import { and, between, eq, gt, lte, sql, type SQL } from "drizzle-orm";
import { db } from "@/db/client";
import { products, reservations, stockLevels } from "@/db/schema";
import { lapsedHold } from "../inventory/availability";
import { searchCondition } from "../catalog";
import { listStockLevels, type StockLevelView } from "../inventory";
import { decodeCursor, isText, isUuid, keysetCondition, keysetOrderBy, toPage, type KeysetOrder } from "../platform/paging";
import { isoTime } from "../../db/sql-parts";

/** At or below this many available units a product counts as running low. */
const LOW_STOCK_THRESHOLD = 3;

/** The database's clock now, as ISO 8601. */
const clockNow = () => sql<string>`clock_timestamp()`.mapWith(isoTime);

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

/** Units in active holds whose time is up, per variant (the stock row they sit on). */
const lapsedByProduct = db
  .select({ variantId: reservations.variantId, quantity: sql<number>`sum(${reservations.quantity})::int`.as("lapsed_quantity") })
  .from(reservations)
  .where(lapsedHold)
  .groupBy(reservations.variantId);

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
    .leftJoin(lapsedHolds, eq(lapsedHolds.variantId, stockLevels.variantId)),
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
      .innerJoin(stockLevels, eq(stockLevels.variantId, lapsed.variantId)),
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
