/**
 * Stock at a glance, for the admin's dashboard and the admin API: every product's levels as shoppers see them
 * (holds whose time is up count as released), each variant's levels per location, flagged low or sold out, and
 * the whole shop's totals. A variant's figures are the sums over its locations, and only active locations' free
 * units are available. Read-only; every change goes through lib/inventory.
 */
import "server-only";
import { and, asc, eq, exists, inArray, isNotNull, isNull, notInArray, or, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { db } from "@/db/client";
import { kitComponents, locations, products, productVariants, reservations, stockLevels } from "@/db/schema";
import { lapsedHold, productFreeUnits, sellableUnits } from "../inventory/availability";
import { kitLevelsOf, type KitStockView } from "./kits";
import { lineLengths } from "./line";
import { searchCondition } from "../catalog";
import type { StockLevelView } from "../inventory";
import { decodeCursor, isText, isUuid, keysetCondition, keysetOrderBy, toPage, type KeysetOrder } from "../platform/paging";
import { isoTime } from "../../db/sql-parts";

/** At or below this many available units a variant (or a product, summed) counts as running low. */
const LOW_STOCK_THRESHOLD = 3;

/** The database's clock now, as ISO 8601. */
const clockNow = () => sql<string>`clock_timestamp()`.mapWith(isoTime);

/** One variant's levels at one location; available is 0 at an inactive location (nothing new is held there). */
export type VariantLocationRow = {
  locationId: string;
  name: string;
  active: boolean;
  onHand: number;
  reserved: number;
  allocated: number;
  available: number;
};

/**
 * One variant's levels as shoppers see them, summed over its locations (available: over active ones), and its
 * levels at each location; a retired variant is neither low nor sold out (it is not sold).
 */
export type VariantStockRow = {
  id: string;
  sku: string;
  options: Record<string, string>;
  retired: boolean;
  onHand: number;
  reserved: number;
  allocated: number;
  available: number;
  /** Units on their way (open incoming deliveries), over every location. */
  incoming: number;
  low: boolean;
  soldOut: boolean;
  /** In the order holds draw on the locations. */
  locations: VariantLocationRow[];
  /** Shoppers waiting in the line for it (lib/admin/line.ts). */
  waiting: number;
};

/**
 * A product's levels summed over its variants (`low` and `soldOut` of the sum, as for a one-variant product), how
 * many of its variants on sale are low or sold out and how many are held, and each variant's own levels.
 */
export type StockRow = StockLevelView & {
  /**
   * A kit (no stock rows of its own): its variant and components with their live figures. Its on hand, reserved
   * and allocated are 0 (its components' rows hold them, under their own products), its `available` is the kits
   * its components allow, and it is left out of the totals, so nothing is counted twice.
   */
  kit: KitStockView | null;
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
  /** Variants on sale running low, and kits whose components allow only a few. */
  low: number;
  /** Variants on sale sold out, and kits whose components allow none. */
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

/**
 * Units in active holds whose time is up, per stock row (a variant at a location): few rows, read once per
 * statement as a CTE and hash-joined, instead of a lookup per stock row, so 10,000 products stay cheap.
 */
const lapsed = db.$with("lapsed").as(
  db
    .select({
      variantId: reservations.variantId,
      locationId: reservations.locationId,
      quantity: sql<number>`sum(${reservations.quantity})::int`.as("lapsed_quantity"),
    })
    .from(reservations)
    .where(lapsedHold)
    .groupBy(reservations.variantId, reservations.locationId),
);
const lapsedOfRow = and(eq(lapsed.variantId, stockLevels.variantId), eq(lapsed.locationId, stockLevels.locationId));
const lapsedUnits = sql<number>`coalesce(${lapsed.quantity}, 0)`;

/** A stock row's levels as shoppers see them: holds whose time is up count as released. */
const reservedNow = sql<number>`${stockLevels.reserved} - ${lapsedUnits}`;
/**
 * Its units on sale: free ones at an active location; none at an inactive one (no new hold draws on it).
 * Raw SQL: CASE and greatest(), which the query builder has no words for.
 */
const availableNow = sql<number>`(case when ${locations.active}
  then greatest(0, ${sellableUnits} - ${stockLevels.allocated} - ${stockLevels.reserved} + ${lapsedUnits}) else 0 end)`;

/** How many rows of the group meet the condition. */
const countWhere = (condition: SQL) => sql<number>`(count(*) filter (where ${condition}))::int`;

/** Raw SQL: one "running low" test for a column, a CTE's field or an expression alike. */
const isLow = (available: SQLWrapper) => sql`${available} between 1 and ${LOW_STOCK_THRESHOLD}`;

/** Retired variants: not sold, so never counted low or sold out (few, read once as a hashed set). */
const retiredVariantIds = db.select({ id: productVariants.id }).from(productVariants).where(isNotNull(productVariants.retiredAt));

/** The active locations' ids (few: read once per statement as a hashed set). */
const activeLocationIds = db.select({ id: locations.id }).from(locations).where(eq(locations.active, true));

/**
 * Units in holds whose time is up, per variant: in all, and at active locations (the units they give back to
 * sale). Derived from the few rows of `lapsed`.
 */
const lapsedByVariant = db.$with("lapsed_by_variant").as(
  db
    .select({
      variantId: lapsed.variantId,
      quantity: sql<number>`sum(${lapsed.quantity})`.as("lapsed_all"),
      atActive: sql<number>`sum(${lapsed.quantity}) filter (where ${inArray(lapsed.locationId, activeLocationIds)})`.as("lapsed_at_active"),
    })
    .from(lapsed)
    .groupBy(lapsed.variantId),
);

/**
 * Each variant's levels summed over its locations (one product's, or every product's): a variant has a stock row
 * at every location, so its flags are of these sums, never of one row. The stock rows are summed first, with no
 * join (a row's free units, sellable − allocated − reserved: what is on hand, and for a pre-order variant on its way), and the few
 * lapsed holds are added back per variant after: 10,000 products' totals read their stock rows once and join
 * nothing per row. Sums as float8: whole numbers stay exact up to 2^53 and never overflow, however many locations.
 */
const variantSums = (where?: SQL) => {
  const levels = db
    .select({
      variantId: stockLevels.variantId,
      onHand: sql<number>`sum(${stockLevels.onHand})::float8`.as("on_hand"),
      reserved: sql<number>`sum(${stockLevels.reserved})::float8`.as("reserved"),
      allocated: sql<number>`sum(${stockLevels.allocated})::float8`.as("allocated"),
      // Raw SQL: an aggregate FILTER, which the query builder has no words for.
      free: sql<number>`coalesce(sum(greatest(0, ${sellableUnits} - ${stockLevels.allocated} - ${stockLevels.reserved}))
        filter (where ${inArray(stockLevels.locationId, activeLocationIds)}), 0)::float8`.as("free"),
    })
    .from(stockLevels)
    .where(where)
    .groupBy(stockLevels.variantId)
    .as("levels");
  return db
    .select({
      variantId: levels.variantId,
      // Tested once per variant (not once per flag).
      onSale: sql<boolean>`${notInArray(levels.variantId, retiredVariantIds)}`.as("on_sale"),
      onHand: levels.onHand,
      reserved: sql<number>`${levels.reserved} - coalesce(${lapsedByVariant.quantity}, 0)`.as("reserved_now"),
      allocated: levels.allocated,
      available: sql<number>`greatest(0, ${levels.free} + coalesce(${lapsedByVariant.atActive}, 0))`.as("available"),
    })
    .from(levels)
    .leftJoin(lapsedByVariant, eq(lapsedByVariant.variantId, levels.variantId));
};

type VariantSums = ReturnType<typeof variantSums>;

/** What each filter looks for in a variant's sums: low and sold out only of variants on sale; held anywhere. */
const variantFlags = (v: { onSale: SQLWrapper; available: SQLWrapper; reserved: SQLWrapper }): Record<Exclude<StockFilter, "all">, SQL> => ({
  low: and(sql`${v.onSale}`, isLow(v.available))!,
  sold_out: and(sql`${v.onSale}`, sql`${v.available} = 0`)!,
  held: sql`${v.reserved} > 0`,
});

/** The variants of the product in scope (the outer query's `products` row). */
const ofProductInScope = (): ReturnType<VariantSums["as"]> => variantSums(eq(stockLevels.productId, products.id)).as("v");

/**
 * Each product's sums over its variants and its flagged variants, computed for the products of the page only (a
 * lateral join: one index read of each one's stock rows).
 */
const productVariantSums = ofProductInScope();
const productFlags = variantFlags(productVariantSums);
const productLevels = db
  .select({
    onHand: sql<number>`coalesce(sum(${productVariantSums.onHand}), 0)::float8`.as("on_hand"),
    reserved: sql<number>`coalesce(sum(${productVariantSums.reserved}), 0)::float8`.as("reserved"),
    allocated: sql<number>`coalesce(sum(${productVariantSums.allocated}), 0)::float8`.as("allocated"),
    available: sql<number>`coalesce(sum(${productVariantSums.available}), 0)::float8`.as("available"),
    lowVariants: countWhere(productFlags.low).as("low_variants"),
    soldOutVariants: countWhere(productFlags.sold_out).as("sold_out_variants"),
    heldVariants: countWhere(productFlags.held).as("held_variants"),
  })
  .from(productVariantSums)
  .as("product_levels");

/** A product with a variant the filter looks for. */
const hasVariant = (flag: Exclude<StockFilter, "all">) => {
  const v = ofProductInScope();
  return exists(db.select({ one: sql`1` }).from(v).where(variantFlags(v)[flag]));
};

/**
 * A kit (no stock rows: no variant of it is ever low or sold out) whose kits are: the kits its components allow,
 * as lib/inventory counts them for shoppers.
 */
const kitIs = (flag: "low" | "sold_out") =>
  and(eq(products.kind, "kit"), flag === "low" ? isLow(productFreeUnits) : sql`${productFreeUnits} = 0`)!;

const filterCondition: Record<StockFilter, SQL | undefined> = {
  all: undefined,
  low: or(hasVariant("low"), kitIs("low")),
  sold_out: or(hasVariant("sold_out"), kitIs("sold_out")),
  held: hasVariant("held"),
};

/**
 * Kits on sale that are low or sold out, for the totals beside the variants that are (so each filter's count is
 * what it lists). Read from the few kits' own rows (kit_components), never a scan of every product.
 */
async function kitFlagCounts(): Promise<{ low: number; soldOut: number }> {
  const [row] = await db
    .select({ low: countWhere(isLow(productFreeUnits)), soldOut: countWhere(sql`${productFreeUnits} = 0`) })
    .from(productVariants)
    .innerJoin(products, eq(products.id, productVariants.productId))
    .where(and(inArray(productVariants.id, db.selectDistinct({ id: kitComponents.kitVariantId }).from(kitComponents)), isNull(productVariants.retiredAt)));
  return row ?? { low: 0, soldOut: 0 };
}

const stockOrder: KeysetOrder = {
  list: "stock",
  direction: "asc",
  keys: [
    { expression: products.name, type: "text", validate: isText },
    { expression: products.id, type: "uuid", validate: isUuid },
  ],
};

/**
 * The whole shop's totals, summed in SQL: each variant's sums over its locations (one grouped scan of
 * stock_levels, the locations and lapsed holds hash-joined), then counted and summed over the variants.
 */
async function stockTotals(): Promise<{ totals: StockTotals; variantCount: number; serverTime: string }> {
  const variants = db.$with("variants").as(variantSums());
  const flags = variantFlags(variants);
  const [[row], kits] = await Promise.all([
    db
      .with(lapsed, lapsedByVariant, variants)
      .select({
        products: sql<number>`(${db.select({ n: sql<number>`count(*)::int` }).from(products)})`,
        variantCount: sql<number>`count(*)::int`,
        onHand: sql<number>`coalesce(sum(${variants.onHand}), 0)::float8`,
        reserved: sql<number>`coalesce(sum(${variants.reserved}), 0)::float8`,
        allocated: sql<number>`coalesce(sum(${variants.allocated}), 0)::float8`,
        available: sql<number>`coalesce(sum(${variants.available}), 0)::float8`,
        low: countWhere(flags.low),
        soldOut: countWhere(flags.sold_out),
        held: countWhere(flags.held),
        serverTime: clockNow(),
      })
      .from(variants),
    kitFlagCounts(),
  ]);
  const { serverTime, variantCount, ...totals } = row!;
  return { totals: { ...totals, low: totals.low + kits.low, soldOut: totals.soldOut + kits.soldOut }, variantCount, serverTime };
}

const lowOrSoldOut = (available: number, retired = false) => ({
  low: !retired && available > 0 && available <= LOW_STOCK_THRESHOLD,
  soldOut: !retired && available === 0,
});

/** The products' levels (summed) and their flagged variants: a page of them, or every product. */
function productRows(where: SQL | undefined, order: SQL[], limit?: number) {
  const query = db
    .with(lapsed, lapsedByVariant)
    .select({
      id: products.id,
      slug: products.slug,
      name: products.name,
      priceCents: products.priceCents,
      kind: products.kind,
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

/**
 * The variants' levels of these products (of every product when not given), in the shop's order, each with its
 * levels at every location (in the order holds draw on them): one read of their stock rows.
 */
async function variantRowsOf(productIds?: string[]): Promise<Map<string, VariantStockRow[]>> {
  if (productIds?.length === 0) return new Map();
  const rows = await db
    .with(lapsed)
    .select({
      productId: stockLevels.productId,
      id: stockLevels.variantId,
      sku: productVariants.sku,
      options: productVariants.options,
      retired: sql<boolean>`${productVariants.retiredAt} is not null`,
      locationId: stockLevels.locationId,
      name: locations.name,
      active: locations.active,
      onHand: stockLevels.onHand,
      reserved: reservedNow,
      allocated: stockLevels.allocated,
      available: availableNow,
      incoming: stockLevels.incoming,
    })
    .from(stockLevels)
    .innerJoin(productVariants, and(eq(productVariants.id, stockLevels.variantId), eq(productVariants.productId, stockLevels.productId)))
    .innerJoin(locations, eq(locations.id, stockLevels.locationId))
    .leftJoin(lapsed, lapsedOfRow)
    // The page's products on both sides: each table is read by its product index, never scanned whole.
    .where(productIds ? and(inArray(stockLevels.productId, productIds), inArray(productVariants.productId, productIds)) : undefined)
    .orderBy(stockLevels.productId, productVariants.position, stockLevels.variantId, locations.priority, locations.id);
  const byProduct = new Map<string, VariantStockRow[]>();
  let variant: VariantStockRow | undefined;
  for (const { productId, id, sku, options, retired, locationId, name, active, incoming, ...level } of rows) {
    if (variant?.id !== id) {
      variant = { id, sku, options, retired, onHand: 0, reserved: 0, allocated: 0, available: 0, incoming: 0, low: false, soldOut: false, locations: [], waiting: 0 };
      byProduct.set(productId, [...(byProduct.get(productId) ?? []), variant]);
    }
    variant.onHand += level.onHand;
    variant.reserved += level.reserved;
    variant.allocated += level.allocated;
    variant.available += level.available;
    variant.incoming += incoming;
    variant.locations.push({ locationId, name, active, ...level });
  }
  const waiting = await lineLengths([...byProduct.values()].flatMap((variants) => variants.map((v) => v.id)));
  for (const variants of byProduct.values()) {
    for (const v of variants) Object.assign(v, lowOrSoldOut(v.available, v.retired), { waiting: waiting.get(v.id) ?? 0 });
  }
  return byProduct;
}

type ProductLevelRow = Omit<StockRow, "low" | "soldOut" | "variants" | "kit"> & { kind: "stock" | "kit" };

/** The products' rows with their variants, and a kit's with its components and the kits they allow. */
async function withVariants(rows: ProductLevelRow[], variants: Map<string, VariantStockRow[]>): Promise<StockRow[]> {
  const kits = await kitLevelsOf(rows.filter((p) => p.kind === "kit").map((p) => p.id));
  return rows.map(({ kind: _kind, ...p }) => {
    const kit = kits.get(p.id) ?? null;
    const available = kit ? kit.available : p.available;
    return { ...p, available, ...lowOrSoldOut(available), kit, variants: variants.get(p.id) ?? [] };
  });
}

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
    return { products: await withVariants(rows, variants), totals, variantCount, serverTime };
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
  return { products: await withVariants(paged.rows, variants), totals, variantCount, serverTime, nextCursor: paged.nextCursor, prevCursor: paged.prevCursor };
}
