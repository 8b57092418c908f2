/**
 * Bench data made in bulk with plain SQL, shaped exactly as the app makes it (lib/catalog/products.ts
 * createProduct): products with opening stock recorded in the ledger, products sold in variants (an option, one
 * variant per value, each with its own stock), guest shoppers with one cart each. Every variant gets a stock row
 * at every location (lib/inventory/locations.ts), its opening stock where the bench puts it: by default all at the
 * first active location by priority, as createProduct does, or spread over locations for the locations runs.
 * Also the baseline's own two tables.
 */
import type { Sql } from "postgres";

/** Main, the location every shop has (its id fixed by migration 0009). */
const MAIN_LOCATION_ID = "00000000-0000-4000-8000-000000000001";

export interface BenchShopper {
  id: string;
  cartId: string;
  productId: string;
  email: string;
}

/** A variant's opening stock: units per location. */
export type StockAt = { locationId: string; onHand: number }[];

/** A number: that many units at the first active location by priority (where createProduct puts opening stock). */
type OpeningStock = number | StockAt;

async function spreadOf(sql: Sql, stock: OpeningStock): Promise<StockAt> {
  if (typeof stock !== "number") return stock;
  const [first] = await sql<{ id: string }[]>`select id from locations where active order by priority, id limit 1`;
  return [{ locationId: first!.id, onHand: stock }];
}

/**
 * `count` one-variant products (SKU <SLUG>) with `stock` units each, returned in id order: a stock row per
 * location, a ledger row per location given units.
 */
export async function createProducts(sql: Sql, prefix: string, count: number, stock: OpeningStock): Promise<string[]> {
  const at = await spreadOf(sql, stock);
  const rows = await sql<{ id: string }[]>`
    with product as (
      insert into products (slug, name, price_cents)
      select ${prefix} || '-' || i, 'Bench ' || ${prefix} || ' ' || i, 1000 from generate_series(1, ${count}::int) as i
      returning id, slug
    ), variant as (
      insert into product_variants (product_id, sku, price_cents) select id, upper(slug), 1000 from product
      returning id, product_id
    ), stock as (
      select * from unnest(${at.map((a) => a.locationId)}::uuid[], ${at.map((a) => a.onHand)}::int[]) as s(location_id, on_hand)
    ), level as (
      insert into stock_levels (product_id, variant_id, location_id, on_hand)
      select v.product_id, v.id, l.id, coalesce(s.on_hand, 0)
      from variant v cross join locations l left join stock s on s.location_id = l.id
    ), ledger as (
      insert into stock_movements (product_id, variant_id, location_id, kind, on_hand_delta, reason)
      select v.product_id, v.id, s.location_id, 'receive', s.on_hand, 'opening stock'
      from variant v cross join stock s where s.on_hand > 0
    )
    select id from product`;
  return rows.map((r) => r.id).sort();
}

/**
 * `count` guests, each with a cart of one unit of one product; shopper i gets products[i mod n], so over many
 * products no two neighbouring shoppers want the same one.
 */
export async function createShoppersWithCarts(sql: Sql, productIds: string[], count: number): Promise<BenchShopper[]> {
  const rows = await sql<{ shopper_id: string; cart_id: string; product_id: string; n: number }[]>`
    with guest as (
      insert into users (kind) select 'guest' from generate_series(1, ${count}::int) returning id
    ), numbered as (
      select id, (row_number() over ())::int - 1 as n from guest
    ), cart as (
      insert into carts (shopper_id) select id from numbered returning id, shopper_id
    ), line as (
      insert into cart_lines (cart_id, product_id, variant_id, quantity)
      select c.id, v.product_id, v.id, 1
      from cart c join numbered n on n.id = c.shopper_id
      join product_variants v on v.product_id = (${productIds}::uuid[])[1 + n.n % ${productIds.length}::int]
      returning cart_id, product_id
    )
    select c.shopper_id, c.id as cart_id, l.product_id, n.n
    from cart c join line l on l.cart_id = c.id join numbered n on n.id = c.shopper_id
    order by n.n`;
  return rows.map((r) => ({
    id: r.shopper_id,
    cartId: r.cart_id,
    productId: r.product_id,
    email: `bench-${r.shopper_id.slice(0, 8)}@example.test`,
  }));
}

export interface BenchVariantProduct {
  productId: string;
  /** In position order. */
  variantIds: string[];
}

/**
 * `count` products sold in `variantsEach` sizes ("Size": V1 … Vn, SKU <SLUG>-V<n>), each variant with `stock`
 * units received as opening stock (`perVariant`: the stock of each size in turn), as createProduct makes a product
 * with options: the option row, one variant per value, a stock row per variant and location, a ledger row per
 * variant and location given units, the product's price the lowest of its variants'.
 */
export async function createVariantProducts(
  sql: Sql,
  prefix: string,
  count: number,
  variantsEach: number,
  stock: OpeningStock | { perVariant: OpeningStock[] },
): Promise<BenchVariantProduct[]> {
  const values = Array.from({ length: variantsEach }, (_, i) => `V${i + 1}`);
  const perVariant = await Promise.all(
    values.map((_, i) => spreadOf(sql, typeof stock === "object" && "perVariant" in stock ? (stock.perVariant[i] ?? 0) : stock)),
  );
  // (size position, location, units) triples.
  const triples = perVariant.flatMap((at, i) => at.map((a) => ({ n: i + 1, ...a })));
  const rows = await sql<{ product_id: string; variant_id: string }[]>`
    with product as (
      insert into products (slug, name, price_cents)
      select ${prefix} || '-' || i, 'Bench ' || ${prefix} || ' ' || i, 1000 from generate_series(1, ${count}::int) as i
      returning id, slug
    ), option as (
      insert into product_options (product_id, position, name, values)
      select id, 0, 'Size', ${values}::text[] from product
    ), variant as (
      insert into product_variants (product_id, sku, options, price_cents, position)
      select p.id, upper(p.slug) || '-' || v.value, jsonb_build_object('Size', v.value), 1000, v.n - 1
      from product p cross join unnest(${values}::text[]) with ordinality as v(value, n)
      returning id, product_id, position
    ), stock as (
      select * from unnest(${triples.map((t) => t.n)}::int[], ${triples.map((t) => t.locationId)}::uuid[], ${triples.map((t) => t.onHand)}::int[])
        as s(n, location_id, on_hand)
    ), level as (
      insert into stock_levels (product_id, variant_id, location_id, on_hand)
      select v.product_id, v.id, l.id, coalesce(s.on_hand, 0)
      from variant v cross join locations l left join stock s on s.n = v.position + 1 and s.location_id = l.id
    ), ledger as (
      insert into stock_movements (product_id, variant_id, location_id, kind, on_hand_delta, reason)
      select v.product_id, v.id, s.location_id, 'receive', s.on_hand, 'opening stock'
      from variant v join stock s on s.n = v.position + 1 where s.on_hand > 0
    )
    select product_id, id as variant_id from variant order by product_id, position`;
  const byProduct = new Map<string, string[]>();
  for (const r of rows) byProduct.set(r.product_id, [...(byProduct.get(r.product_id) ?? []), r.variant_id]);
  return [...byProduct].map(([productId, variantIds]) => ({ productId, variantIds })).sort((a, b) => a.productId.localeCompare(b.productId));
}

/** `count` guests, each with a cart holding one unit of every variant in `variantIds` (one line per variant). */
export async function createShoppersWithVariantCarts(sql: Sql, variantIds: string[], count: number): Promise<BenchShopper[]> {
  const rows = await sql<{ shopper_id: string; cart_id: string; product_id: string }[]>`
    with guest as (
      insert into users (kind) select 'guest' from generate_series(1, ${count}::int) returning id
    ), cart as (
      insert into carts (shopper_id) select id from guest returning id, shopper_id
    ), line as (
      insert into cart_lines (cart_id, product_id, variant_id, quantity)
      select c.id, v.product_id, v.id, 1 from cart c cross join product_variants v where v.id = any(${variantIds}::uuid[])
      returning cart_id, product_id
    )
    select distinct c.shopper_id, c.id as cart_id, min(l.product_id::text) over (partition by c.id) as product_id
    from cart c join line l on l.cart_id = c.id`;
  return rows.map((r) => ({
    id: r.shopper_id,
    cartId: r.cart_id,
    productId: r.product_id,
    email: `bench-${r.shopper_id.slice(0, 8)}@example.test`,
  }));
}

/**
 * The baseline's tables: copies of stock_levels and reservations with the same columns, checks and indexes
 * (LIKE … INCLUDING ALL), so the bare transaction pays the same per-row costs as the engine. The bare design
 * knows one location: its rows are all at Main (a column default), so its statements stay as they were.
 */
export async function createBaselineTables(sql: Sql): Promise<void> {
  await sql.unsafe(`
    create table if not exists bench_baseline_stock (like stock_levels including all);
    create table if not exists bench_baseline_holds (like reservations including all);
    alter table bench_baseline_stock alter column location_id set default '${MAIN_LOCATION_ID}';
    alter table bench_baseline_holds alter column location_id set default '${MAIN_LOCATION_ID}';`);
}

export async function createBaselineProducts(sql: Sql, count: number, onHand: number): Promise<string[]> {
  // The bare design keys stock by one id: the baseline's rows carry it as both the product and the variant.
  const rows = await sql<{ product_id: string }[]>`
    insert into bench_baseline_stock (variant_id, product_id, on_hand)
    select id, id, ${onHand}::int from (select gen_random_uuid() as id from generate_series(1, ${count}::int)) as made
    returning product_id`;
  return rows.map((r) => r.product_id).sort();
}
