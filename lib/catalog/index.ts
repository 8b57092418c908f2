/**
 * The catalogue: pages of products with their live availability (searched, filtered, sorted), one product, and
 * creating products with opening stock.
 */
import "server-only";
import { createHash } from "node:crypto";
import { and, asc, eq, isNull, sql, type SQL } from "drizzle-orm";
import { db } from "@/db/client";
import { kitComponents, productOptions, products, productVariants } from "@/db/schema";
import { alias } from "drizzle-orm/pg-core";
import { inStockForViewer, viewerAvailability } from "../inventory/availability";
import { nextPreorderDates } from "../inventory/incoming";
import { demandFor } from "../inventory/line/tickets";
import { isoTime } from "../../db/sql-parts";
import { notFound } from "../platform/errors";
import {
  decodeCursor,
  isRank,
  isText,
  isUtcTimestamp,
  isUuid,
  isWholeNumber,
  keysetCondition,
  keysetOrderBy,
  toPage,
  utcText,
  type KeysetOrder,
  type KeyValue,
} from "../platform/paging";

export type ProductView = {
  id: string;
  slug: string;
  name: string;
  description: string;
  priceCents: number;
  /** Units this shopper could hold now: their own live hold is theirs, not counted against them. */
  available: number;
  /** A picture for the product card and page, or null for the initials tile. */
  imageUrl: string | null;
  /** No longer sold (kept for its stock history and orders); not listed in the catalogue. */
  archived: boolean;
  /** Units in other shoppers' live holds: they come back if those checkouts are not paid in time. */
  held: number;
  /** When the soonest of those holds lapses if its checkout stays untouched (ISO 8601), or null. */
  nextReleaseAt: string | null;
  /** Catalogue lists: how many variants are on sale ("more options" on the card). */
  variantCount?: number;
  /** Catalogue lists: the highest variant price ("from $x" on the card when it differs from `priceCents`). */
  maxPriceCents?: number;
};

export const catalogueSorts = ["relevance", "newest", "price_asc", "price_desc", "name"] as const;
export type CatalogueSort = (typeof catalogueSorts)[number];

/** Products per page of the catalogue page. */
export const CATALOGUE_PAGE_SIZE = 24;
/** The Store API's largest and default page: a small shop's whole list fits in one answer. */
export const MAX_PRODUCTS_PER_PAGE = 100;

export interface ProductQuery {
  q?: string;
  /** Default: relevance when searching, otherwise by name. */
  sort?: CatalogueSort;
  inStock?: boolean;
  cursor?: string;
  limit?: number;
  /** The shopper looking: their own live holds count as available to them. */
  viewerId?: string | null;
}

/**
 * A product as the catalogue lists it: its figures are those of its variants on sale (`available` and `held` their
 * sums, `nextReleaseAt` the soonest, `priceCents` = `priceFromCents` the lowest price), with what a card needs to
 * say "from $x" and "in more sizes".
 */
export type ProductListItem = ProductView & {
  /** The lowest price of its variants on sale (the same as `priceCents`). */
  priceFromCents: number;
  /** The highest: a product sold at one price has `maxPriceCents === priceFromCents`. */
  maxPriceCents: number;
  /** How many variants are on sale (1 for a product without options). */
  variantCount: number;
  /** Its options' names in order (`["Size"]`; `[]` without options). */
  optionNames: string[];
};

export interface ProductPage {
  products: ProductListItem[];
  nextCursor: string | null;
  prevCursor: string | null;
  sort: CatalogueSort;
}

/** Words of a search, each matched as a prefix ("lam" finds "Lamp"): letters and digits only, so no query syntax. */
export function searchTerms(q: string | undefined): string[] {
  if (!q) return [];
  const words = q.normalize("NFKC").toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return [...new Set(words.map((w) => w.slice(0, 60)))].slice(0, 8);
}

/**
 * Every word as a prefix. PostgreSQL's parser reads a number after a hyphen as a signed number ("Lamp A-100" holds
 * '-100'), while a search's words are split at the hyphen: a number also matches its signed form.
 */
const tsQuery = (terms: string[]) =>
  sql`to_tsquery('english', ${terms.map((t) => (/^\d+$/.test(t) ? `(${t}:* | -${t}:*)` : `${t}:*`)).join(" & ")})`;

/** A search that could be a SKU as the schema allows them (product_variants_sku_format), or undefined. */
function skuOf(q: string | undefined): string | undefined {
  const text = q?.trim();
  return text && /^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/.test(text) ? text : undefined;
}

/**
 * The product sold under this exact SKU (case-insensitively), as an uncorrelated subquery: PostgreSQL runs it once
 * through the unique index on lower(sku) and looks the product up by its key.
 */
const productWithSku = (sku: string) =>
  sql`(${db
    .select({ productId: productVariants.productId })
    .from(productVariants)
    .where(sql`lower(${productVariants.sku}) = lower(${sku})`)})`;

/**
 * Products matching a search: every word as a prefix, or a variant's SKU exactly (case-insensitively). No search:
 * every product; only punctuation: none.
 */
export function searchCondition(q: string | undefined): SQL {
  if (q === undefined || q.trim() === "") return sql`true`;
  const terms = searchTerms(q);
  const sku = skuOf(q);
  const words = terms.length > 0 ? sql`${products.searchVector} @@ ${tsQuery(terms)}` : sql`false`;
  return sku ? sql`(${words} or ${products.id} = ${productWithSku(sku)})` : words;
}

/** A search's rank: its words' full-text rank, with an exact SKU's product first. */
function searchRank(q: string | undefined, terms: string[]): SQL {
  const words = sql`ts_rank(${products.searchVector}, ${tsQuery(terms)})`;
  const sku = skuOf(q);
  // Word ranks of a product's name and description stay far below 1000: the SKU's product comes ahead of them all.
  // Cast back to real, as the cursor keeps ranks: the sum would otherwise be a double.
  return sku ? sql`(${words} + case when ${products.id} = ${productWithSku(sku)} then 1000 else 0 end)::real` : words;
}

const productFields = {
  id: products.id,
  slug: products.slug,
  name: products.name,
  description: products.description,
  priceCents: products.priceCents,
  imageUrl: products.imageUrl,
  archived: sql<boolean>`${products.archivedAt} is not null`,
};

function sortOrder(sort: CatalogueSort, q: string | undefined, terms: string[]): KeysetOrder {
  const id = { expression: products.id, type: "uuid", validate: isUuid };
  switch (sort) {
    case "relevance":
      return {
        // Ranks belong to one search: a cursor of another search is refused, not misread.
        list: `relevance:${createHash("sha256")
          .update(`${terms.join(" ")}\n${skuOf(q)?.toLowerCase() ?? ""}`)
          .digest("base64url")
          .slice(0, 12)}`,
        direction: "desc",
        keys: [{ expression: searchRank(q, terms), type: "real", validate: isRank }, id],
      };
    case "newest":
      return { list: "newest", direction: "desc", keys: [{ expression: products.createdAt, type: "timestamptz", validate: isUtcTimestamp }, id] };
    case "price_asc":
      return { list: "price_asc", direction: "asc", keys: [{ expression: products.priceCents, type: "bigint", validate: isWholeNumber }, id] };
    case "price_desc":
      return { list: "price_desc", direction: "desc", keys: [{ expression: products.priceCents, type: "bigint", validate: isWholeNumber }, id] };
    case "name":
      return { list: "name", direction: "asc", keys: [{ expression: products.name, type: "text", validate: isText }, id] };
  }
}

type ProductRow = ProductListItem & { createdKey: string; rank: number };

function keysOf(sort: CatalogueSort, row: ProductRow): KeyValue[] {
  switch (sort) {
    case "relevance":
      return [row.rank, row.id];
    case "newest":
      return [row.createdKey, row.id];
    case "price_asc":
    case "price_desc":
      return [row.priceCents, row.id];
    case "name":
      return [row.name, row.id];
  }
}

/**
 * One page of the catalogue with live availability, for the catalogue page and `GET /api/products` alike:
 * optionally searched (full text, prefix matching, ranked), in stock only, in one of the sort orders, after or
 * before a cursor. A bad cursor is a 400 `invalid_request`.
 */
export async function listProducts(query: ProductQuery = {}): Promise<ProductPage> {
  const terms = searchTerms(query.q);
  const searching = query.q !== undefined && query.q.trim() !== "";
  // Relevance means nothing without a search: fall back to the name order.
  const sort: CatalogueSort = query.sort && !(query.sort === "relevance" && !searching) ? query.sort : searching ? "relevance" : "name";
  const limit = Math.min(Math.max(1, query.limit ?? MAX_PRODUCTS_PER_PAGE), MAX_PRODUCTS_PER_PAGE);
  const order = sortOrder(sort, query.q, terms);
  const cursor = query.cursor ? decodeCursor(query.cursor, order.list, order.keys.length) : null;
  const viewerId = query.viewerId ?? null;

  // The page's products first (through an index where the order has one), then their stock and holds: those
  // are read for the page only, never for every match.
  const matches = db
    .select({ id: products.id, rank: sql<number>`${sort === "relevance" ? order.keys[0]!.expression : sql`0`}::real`.as("rank") })
    .from(products)
    .$dynamic();
  const page = matches
    .where(
      and(
        // Archived products are no longer sold: never listed (their pages and history stay).
        isNull(products.archivedAt),
        searching ? searchCondition(query.q) : undefined,
        query.inStock ? inStockForViewer(viewerId) : undefined,
        cursor ? keysetCondition(order, cursor) : undefined,
      ),
    )
    .orderBy(...keysetOrderBy(order, cursor?.direction))
    .limit(limit + 1)
    .as("page");

  const onSale = variantsOnSaleSummary(viewerId);
  const pageOrder = sort === "relevance" ? { ...order, keys: [{ expression: page.rank, type: "real" }, order.keys[1]!] } : order;
  const rows = await db
    .select({
      ...productFields,
      available: onSale.available,
      held: onSale.held,
      nextReleaseAt: onSale.nextReleaseAt,
      priceFromCents: sql<number>`coalesce(${onSale.minPrice}, ${products.priceCents})`.mapWith(Number),
      maxPriceCents: sql<number>`coalesce(${onSale.maxPrice}, ${products.priceCents})`.mapWith(Number),
      variantCount: onSale.count,
      optionNames: sql<string[]>`array(${db
        .select({ name: productOptions.name })
        .from(productOptions)
        .where(eq(productOptions.productId, products.id))
        .orderBy(asc(productOptions.position))})`,
      createdKey: utcText(products.createdAt),
      rank: page.rank,
    })
    .from(page)
    .innerJoin(products, eq(products.id, page.id))
    .innerJoinLateral(onSale, sql`true`)
    .orderBy(...keysetOrderBy(pageOrder, cursor?.direction));
  const paged = toPage(rows, limit, order, cursor, (row) => keysOf(sort, row));
  return {
    products: paged.rows.map(({ createdKey: _created, rank: _rank, ...product }) => product),
    nextCursor: paged.nextCursor,
    prevCursor: paged.prevCursor,
    sort,
  };
}

/**
 * The variants on sale of the product in scope (`products`), summed up for one viewer in one aggregate over its
 * few variants: to join laterally (exactly one row, even for a product with none on sale). Each variant's figures
 * are its own (lib/inventory/availability, variant scope); a retired variant's stock is not for sale, so not counted.
 */
function variantsOnSaleSummary(viewerId: string | null) {
  const perVariant = viewerAvailability(viewerId, productVariants.id);
  return db
    .select({
      available: sql<number>`coalesce(sum(${perVariant.fields.available}), 0)::int`.as("available"),
      held: sql<number>`coalesce(sum(${perVariant.fields.held}), 0)::int`.as("held"),
      nextReleaseAt: sql<string | null>`min(${perVariant.stock.nextReleaseAt})`.mapWith(isoTime).as("next_release_at"),
      minPrice: sql<number | null>`min(${productVariants.priceCents})`.as("min_price"),
      maxPrice: sql<number | null>`max(${productVariants.priceCents})`.as("max_price"),
      count: sql<number>`count(*)::int`.as("variant_count"),
    })
    .from(productVariants)
    .innerJoinLateral(perVariant.stock, sql`true`)
    .where(and(eq(productVariants.productId, products.id), isNull(productVariants.retiredAt)))
    .as("on_sale");
}

/** One variant on a product's page: its SKU, option values, price and availability for the viewer. */
export type VariantDetail = {
  id: string;
  sku: string;
  options: Record<string, string>;
  priceCents: number;
  available: number;
  held: number;
  nextReleaseAt: string | null;
  /**
   * Sold as a pre-order now (its shelves are empty, units are on their way): the day the next one is expected.
   * Null while it is on the shelf, or when it takes no pre-orders.
   */
  preorder: { expectedAt: string } | null;
  /** No longer sold (only the admin's reads list retired variants). */
  retired: boolean;
  /**
   * How many checkouts hold it now and how many shoppers wait for it in the line ("12 checking out · 40
   * waiting"), the numbers the line itself uses; null for a kit (its components are what is held).
   */
  demand: { checkingOut: number; waiting: number } | null;
};

/** One component of a kit: a variant of another product, and how many of it one kit takes. */
export type KitComponentView = { productId: string; variantId: string; slug: string; name: string; sku: string; options: Record<string, string>; quantity: number };

/**
 * A product with its options (in order) and variants: what its page and `GET /api/products/{slug}` show. A kit
 * also lists what it is made of (`kit`, null for any other product).
 */
export type ProductDetail = ProductView & {
  /** Units one shopper may hold and buy of it (live holds and paid orders), or null for no limit. */
  limitPerCustomer: number | null;
  options: { name: string; values: string[] }[];
  variants: VariantDetail[];
  kit: { components: KitComponentView[] } | null;
};

/**
 * The product that `where` picks, with its availability for this viewer, its options, and its variants (on sale
 * only, unless `withRetired`) each with its own availability.
 */
async function findProduct(where: SQL, viewerId: string | null, withRetired = false): Promise<ProductDetail | undefined> {
  const [found] = await db
    .select({ ...productFields, kind: products.kind, limitPerCustomer: products.limitPerCustomer })
    .from(products)
    .where(where);
  if (!found) return undefined;
  const { kind, ...product } = found;
  const perVariant = viewerAvailability(viewerId, productVariants.id);
  const [options, variants, components] = await Promise.all([
    db
      .select({ name: productOptions.name, values: productOptions.values })
      .from(productOptions)
      .where(eq(productOptions.productId, product.id))
      .orderBy(asc(productOptions.position)),
    db
      .select({
        id: productVariants.id,
        sku: productVariants.sku,
        options: productVariants.options,
        priceCents: productVariants.priceCents,
        ...perVariant.fields,
        takesPreorders: productVariants.preorder,
        retired: sql<boolean>`${productVariants.retiredAt} is not null`,
      })
      .from(productVariants)
      .innerJoinLateral(perVariant.stock, sql`true`)
      .where(and(eq(productVariants.productId, product.id), withRetired ? undefined : isNull(productVariants.retiredAt)))
      .orderBy(asc(productVariants.position), asc(productVariants.id)),
    kind === "kit" ? kitComponentsOf(product.id) : Promise.resolve(null),
  ]);
  // The product's figures are the sums of the variants read: for a shopper those on sale (a retired variant's
  // stock is not for sale), for the admin all of them.
  const releases = variants.flatMap((v) => (v.nextReleaseAt ? [v.nextReleaseAt] : [])).sort();
  const [shipDates, demand] = await Promise.all([
    preorderDates(variants, components),
    kind === "kit" ? Promise.resolve(new Map<string, never>()) : demandFor(variants.map((v) => v.id)),
  ]);
  return {
    ...product,
    available: variants.reduce((sum, v) => sum + v.available, 0),
    held: variants.reduce((sum, v) => sum + v.held, 0),
    nextReleaseAt: releases[0] ?? null,
    options,
    variants: variants.map(({ takesPreorders: _takes, ...v }) => {
      const expectedAt = shipDates.get(v.id);
      return { ...v, preorder: expectedAt ? { expectedAt } : null, demand: demand.get(v.id) ?? null };
    }),
    kit: components && { components },
  };
}

/**
 * When each variant's next pre-order ships (read only for variants taking pre-orders): a kit's, the latest of its
 * components' (a kit ships whole).
 */
async function preorderDates(
  variants: readonly { id: string; takesPreorders: boolean }[],
  components: readonly KitComponentView[] | null,
): Promise<Map<string, string>> {
  if (components) {
    const dates = await nextPreorderDates(components.map((c) => c.variantId));
    const latest = [...dates.values()].sort().at(-1);
    return new Map(latest ? variants.map((v) => [v.id, latest]) : []);
  }
  const preordering = variants.filter((v) => v.takesPreorders).map((v) => v.id);
  return preordering.length === 0 ? new Map() : nextPreorderDates(preordering);
}

/** What the kit product is made of, in the order the kit lists its components. */
function kitComponentsOf(productId: string): Promise<KitComponentView[]> {
  const component = alias(productVariants, "component");
  const kit = alias(productVariants, "kit");
  return db
    .select({
      productId: products.id,
      variantId: component.id,
      slug: products.slug,
      name: products.name,
      sku: component.sku,
      options: component.options,
      quantity: kitComponents.quantity,
    })
    .from(kitComponents)
    .innerJoin(kit, eq(kit.id, kitComponents.kitVariantId))
    .innerJoin(component, eq(component.id, kitComponents.componentVariantId))
    .innerJoin(products, eq(products.id, component.productId))
    .where(eq(kit.productId, productId))
    .orderBy(asc(kitComponents.position));
}

/** A product as the Store API answers shoppers: only variants on sale are listed, so whether one is retired says nothing. */
export function forShoppers({ variants, ...product }: ProductDetail) {
  return { ...product, variants: variants.map(({ retired: _retired, ...variant }) => variant) };
}

export async function getProductBySlug(slug: string, viewerId: string | null = null): Promise<ProductDetail> {
  const product = await findProduct(eq(products.slug, slug), viewerId);
  if (!product) throw notFound("product");
  return product;
}

/** A product by id, archived or not (admin views); undefined when there is none. */
export function getProductById(productId: string): Promise<ProductDetail | undefined> {
  return findProduct(eq(products.id, productId), null, true);
}
