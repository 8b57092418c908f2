/**
 * Stock at a glance, for the admin's dashboard and the admin API: every product's levels as shoppers see them
 * (holds whose time is up count as released), flagged low or sold out, and the whole shop's totals. Read-only;
 * every change goes through lib/inventory.
 */
import "server-only";
import { and, asc, eq, exists, gt, inArray, isNotNull, notInArray, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { db } from "@/db/client";
import { products, productVariants, reservations, stockLevels } from "@/db/schema";
import { lapsedHold } from "../inventory/availability";
import { searchCondition } from "../catalog";
import type { StockLevelView } from "../inventory";
import { decodeCursor, isText, isUuid, keysetCondition, keysetOrderBy, toPage, type KeysetOrder } from "../platform/paging";
import { isoTime } from "../../db/sql-parts";

/** At or below this many available units a variant (or a product, summed) counts as running low. */
const LOW_STOCK_THRESHOLD = 3;

/** The database's clock now, as ISO 8601. */
const clockNow = () => sql<string>`clock_timestamp()`.mapWith(isoTime);

/** One variant's levels as shoppers see them; a retired variant is neither low nor sold out (it is not sold). */
export type VariantStockRow = {
  id: string;
  sku: string;
  options: Record<string, string>;
  retired: boolean;
  onHand: number;
  reserved: number;
  allocated: number;
  available: number;
  low: boolean;
  soldOut: boolean;
};

/**
 * A product's levels summed over its variants (`low` and `soldOut` of the sum, as for a one-variant product), how
 * many of its variants on sale are low or sold out and how many are held, and each variant's own levels.
 */
export type StockRow = StockLevelView & {
  low: boolean;
  soldOut: boolean;
  lowVariants: number;
  soldOutVariants: number;
  heldVariants: number;
  variants: VariantStockRow[];
};

export type StockTotals = {
  products: number;
  onHand: number;
  reserved: number;
  allocated: number;
  available: number;
  /** Variants on sale running low. */
  low: number;
  /** Variants on sale sold out. */
  soldOut: number;
  /** Variants with units in live holds right now. */
  held: number;
};

export interface StockOverview {
  products: StockRow[];
  /** The whole shop's totals, whatever page or filter is shown. */
  totals: StockTotals;
  /** How many variants the shop has (each product has one or more). */
  variantCount: number;
  serverTime: string;
  /** Set when a page was asked for: the cursors of the pages around it (null at either end). */
  nextCursor?: string | null;
  prevCursor?: string | null;
}

/** Which products a page shows: all, or those with a variant that is low, sold out, or held. */
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
const lapsedByVariant = db
  .select({ variantId: reservations.variantId, quantity: sql<number>`sum(${reservations.quantity})::int`.as("lapsed_quantity") })
  .from(reservations)
  .where(lapsedHold)
  .groupBy(reservations.variantId);

/**
 * Levels of every variant as shoppers see them (holds whose time is up count as released): one grouped read of
 * the lapsed holds instead of a lookup per variant, so 10,000 products of several variants each stay cheap.
 */
const lapsedHolds = lapsedByVariant.as("l");
const variantLevels = db.$with("variant_levels").as(
  db
    .select({
      productId: stockLevels.productId,
      variantId: stockLevels.variantId,
      sku: productVariants.sku,
      options: productVariants.options,
      position: productVariants.position,
      retired: sql<boolean>`${productVariants.retiredAt} is not null`.as("retired"),
      onHand: stockLevels.onHand,
      reserved: sql<number>`${stockLevels.reserved} - coalesce(${lapsedHolds.quantity}, 0)`.as("reserved"),
      allocated: stockLevels.allocated,
      available: sql<number>`greatest(0, ${stockLevels.onHand} - ${stockLevels.allocated} - ${stockLevels.reserved} + coalesce(${lapsedHolds.quantity}, 0))`.as(
        "available",
      ),
    })
    .from(stockLevels)
    .innerJoin(productVariants, eq(productVariants.id, stockLevels.variantId))
    .leftJoin(lapsedHolds, eq(lapsedHolds.variantId, stockLevels.variantId)),
);

/** How many rows of the group meet the condition. */
const countWhere = (condition: SQL) => sql<number>`(count(*) filter (where ${condition}))::int`;

/** Raw SQL: one "running low" test for a column, a CTE's field or an expression alike. */
const isLow = (available: SQLWrapper) => sql`${available} between 1 and ${LOW_STOCK_THRESHOLD}`;

/** Retired variants: not sold, so never counted low or sold out (few, read once as a hashed set). */
const retiredVariantIds = db.select({ id: productVariants.id }).from(productVariants).where(isNotNull(productVariants.retiredAt));

/** The lapsed holds per variant, read once per statement (every product's row and every filter use it). */
const lapsed = db.$with("lapsed").as(lapsedByVariant);
const lapsedUnits = sql<number>`coalesce(${lapsed.quantity}, 0)`;
const reservedNow = sql<number>`${stockLevels.reserved} - ${lapsedUnits}`;
const availableNow = sql<number>`greatest(0, ${stockLevels.onHand} - ${stockLevels.allocated} - ${stockLevels.reserved} + ${lapsedUnits})`;
const onSale = notInArray(stockLevels.variantId, retiredVariantIds);

/** What each filter looks for in a variant (holds whose time is up count as released). */
const variantFlag: Record<Exclude<StockFilter, "all">, SQL> = {
  low: and(onSale, isLow(availableNow))!,
  sold_out: and(onSale, sql`${availableNow} = 0`)!,
  held: sql`${reservedNow} > 0`,
};

/**
 * Each product's sums over its variants (as float8: no integer overflow however many) and its flagged variants,
 * computed for the products of the page only (a lateral join: one index read of each one's stock rows).
 */
const productLevels = db
  .select({
    onHand: sql<number>`sum(${stockLevels.onHand})::float8`.as("on_hand"),
    reserved: sql<number>`sum(${reservedNow})::float8`.as("reserved"),
    allocated: sql<number>`sum(${stockLevels.allocated})::float8`.as("allocated"),
    available: sql<number>`sum(${availableNow})::float8`.as("available"),
    lowVariants: countWhere(variantFlag.low).as("low_variants"),
    soldOutVariants: countWhere(variantFlag.sold_out).as("sold_out_variants"),
    heldVariants: countWhere(variantFlag.held).as("held_variants"),
  })
  .from(stockLevels)
  .leftJoin(lapsed, eq(lapsed.variantId, stockLevels.variantId))
  .where(eq(stockLevels.productId, products.id))
  .as("product_levels");

/** A product with a variant the filter looks for. */
const hasVariant = (flag: SQL) =>
  exists(
    db
      .select({ one: sql`1` })
      .from(stockLevels)
      .leftJoin(lapsed, eq(lapsed.variantId, stockLevels.variantId))
      .where(and(eq(stockLevels.productId, products.id), flag)),
  );

const filterCondition: Record<StockFilter, SQL | undefined> = {
  all: undefined,
  low: hasVariant(variantFlag.low),
  sold_out: hasVariant(variantFlag.sold_out),
  held: hasVariant(variantFlag.held),
};

const stockOrder: KeysetOrder = {
  list: "stock",
  direction: "asc",
  keys: [
    { expression: products.name, type: "text", validate: isText },
    { expression: products.id, type: "uuid", validate: isUuid },
  ],
};

/**
 * The whole shop's totals, summed in SQL over stock_levels alone (one row per variant), then corrected for the
 * few variants with holds whose time is up (they count as released already), so 10,000 products of several
 * variants cost one plain scan. Needs no greatest(0, …): the table's CHECK keeps reserved + allocated ≤ on hand.
 */
async function stockTotals(): Promise<{ totals: StockTotals; variantCount: number; serverTime: string }> {
  const free = sql<number>`${stockLevels.onHand} - ${stockLevels.allocated} - ${stockLevels.reserved}`;
  // Sums as float8: exact for whole numbers up to 2^53, and no integer overflow however large the shop.
  const plain = db.$with("plain").as(
    db
      .select({
        variants: sql<number>`count(*)::int`.as("variants"),
        onHand: sql<number>`coalesce(sum(${stockLevels.onHand}), 0)::float8`.as("on_hand"),
        reserved: sql<number>`coalesce(sum(${stockLevels.reserved}), 0)::float8`.as("reserved"),
        allocated: sql<number>`coalesce(sum(${stockLevels.allocated}), 0)::float8`.as("allocated"),
        low: countWhere(and(onSale, isLow(free))!).as("low"),
        soldOut: countWhere(and(onSale, eq(free, 0))!).as("sold_out"),
        held: countWhere(gt(stockLevels.reserved, 0)).as("held"),
      })
      .from(stockLevels),
  );
  // The variants with lapsed holds, before and after counting those holds as released.
  const changed = db.$with("lapsed_levels").as(
    db
      .select({
        before: sql<number>`${free}`.as("before"),
        after: sql<number>`${free} + ${lapsed.quantity}`.as("after"),
        reservedBefore: sql<number>`${stockLevels.reserved}`.as("reserved_before"),
        reservedAfter: sql<number>`${stockLevels.reserved} - ${lapsed.quantity}`.as("reserved_after"),
        onSale: sql<boolean>`${onSale}`.as("on_sale"),
        quantity: lapsed.quantity,
      })
      .from(lapsed)
      .innerJoin(stockLevels, eq(stockLevels.variantId, lapsed.variantId)),
  );
  // How a count changes when the lapsed holds are released: the variants counted after, less those before.
  const change = (before: SQL, after: SQL) => sql<number>`${countWhere(after)} - ${countWhere(before)}`;
  const onSaleAnd = (condition: SQL) => and(sql`${changed.onSale}`, condition)!;
  const correction = db.$with("correction").as(
    db
      .select({
        lapsed: sql<number>`coalesce(sum(${changed.quantity}), 0)::float8`.as("lapsed_units"),
        low: change(onSaleAnd(isLow(changed.before)), onSaleAnd(isLow(changed.after))).as("low_change"),
        soldOut: change(onSaleAnd(eq(changed.before, 0)), onSaleAnd(eq(changed.after, 0))).as("sold_out_change"),
        held: change(gt(changed.reservedBefore, 0), gt(changed.reservedAfter, 0)).as("held_change"),
      })
      .from(changed),
  );
  const [row] = await db
    .with(lapsed, plain, changed, correction)
    .select({
      products: sql<number>`(${db.select({ n: sql<number>`count(*)::int` }).from(products)})`,
      variantCount: plain.variants,
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
  const { serverTime, variantCount, ...totals } = row!;
  return { totals, variantCount, serverTime };
}

const lowOrSoldOut = (available: number, retired = false) => ({
  low: !retired && available > 0 && available <= LOW_STOCK_THRESHOLD,
  soldOut: !retired && available === 0,
});

/** The products' levels (summed) and their flagged variants: a page of them, or every product. */
function productRows(where: SQL | undefined, order: SQL[], limit?: number) {
  const query = db
    .with(lapsed)
    .select({
      id: products.id,
      slug: products.slug,
      name: products.name,
      priceCents: products.priceCents,
      onHand: productLevels.onHand,
      reserved: productLevels.reserved,
      allocated: productLevels.allocated,
      available: productLevels.available,
      lowVariants: productLevels.lowVariants,
      soldOutVariants: productLevels.soldOutVariants,
      heldVariants: productLevels.heldVariants,
    })
    .from(products)
    .innerJoinLateral(productLevels, sql`true`)
    .where(where)
    .orderBy(...order);
  return limit === undefined ? query : query.limit(limit);
}

/** The variants' levels of these products (of every product when not given), in the shop's order. */
async function variantRowsOf(productIds?: string[]): Promise<Map<string, VariantStockRow[]>> {
  if (productIds?.length === 0) return new Map();
  const rows = await db
    .with(variantLevels)
    .select({
      productId: variantLevels.productId,
      id: variantLevels.variantId,
      sku: variantLevels.sku,
      options: variantLevels.options,
      retired: variantLevels.retired,
      onHand: variantLevels.onHand,
      reserved: variantLevels.reserved,
      allocated: variantLevels.allocated,
      available: variantLevels.available,
    })
    .from(variantLevels)
    .where(productIds ? inArray(variantLevels.productId, productIds) : undefined)
    .orderBy(variantLevels.productId, variantLevels.position, variantLevels.variantId);
  const byProduct = new Map<string, VariantStockRow[]>();
  for (const { productId, ...variant } of rows) {
    const list = byProduct.get(productId) ?? [];
    list.push({ ...variant, ...lowOrSoldOut(variant.available, variant.retired) });
    byProduct.set(productId, list);
  }
  return byProduct;
}

type ProductLevelRow = Omit<StockRow, "low" | "soldOut" | "variants">;

const withVariants = (rows: ProductLevelRow[], variants: Map<string, VariantStockRow[]>): StockRow[] =>
  rows.map((p) => ({ ...p, ...lowOrSoldOut(p.available), variants: variants.get(p.id) ?? [] }));

/**
 * Stock at a glance: products with their variants (holds whose time is up count as released), flagged low or
 * sold out, with the whole shop's totals computed in SQL. Without a page query, every product (the admin API's
 * default answer); with one, a page by name, searched and filtered (a product with a low, sold-out or held
 * variant), with cursors to the pages around it.
 */
export async function stockOverview(page?: StockPageQuery): Promise<StockOverview> {
  if (!page) {
    const [rows, variants, { totals, variantCount, serverTime }] = await Promise.all([
      productRows(undefined, [asc(products.name), asc(products.id)]),
      variantRowsOf(),
      stockTotals(),
    ]);
    return { products: withVariants(rows, variants), totals, variantCount, serverTime };
  }
  const limit = Math.min(Math.max(1, page.limit ?? STOCK_PAGE_SIZE), MAX_STOCK_PAGE);
  const cursor = page.cursor ? decodeCursor(page.cursor, stockOrder.list, stockOrder.keys.length) : null;
  const [rows, { totals, variantCount, serverTime }] = await Promise.all([
    productRows(
      and(filterCondition[page.filter ?? "all"], searchCondition(page.q), cursor ? keysetCondition(stockOrder, cursor) : undefined),
      keysetOrderBy(stockOrder, cursor?.direction),
      limit + 1,
    ),
    stockTotals(),
  ]);
  const paged = toPage(rows, limit, stockOrder, cursor, (row) => [row.name, row.id]);
  const variants = await variantRowsOf(paged.rows.map((p) => p.id));
  return { products: withVariants(paged.rows, variants), totals, variantCount, serverTime, nextCursor: paged.nextCursor, prevCursor: paged.prevCursor };
}
