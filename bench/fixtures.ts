/**
 * Bench data made in bulk with plain SQL, shaped exactly as the app makes it (lib/catalog/products.ts
 * createProduct): products with opening stock recorded in the ledger, products sold in variants (an option, one
 * variant per value, each with its own stock), guest shoppers with one cart each. Also the baseline's own two
 * tables.
 */
import type { Sql } from "postgres";
import { insertProducts } from "../tests/support/products";

export interface BenchShopper {
  id: string;
  cartId: string;
  productId: string;
  email: string;
}

/** `count` products with `onHand` units each, returned in id order. */
export async function createProducts(sql: Sql, prefix: string, count: number, onHand: number): Promise<string[]> {
  const specs = Array.from({ length: count }, (_, i) => ({
    slug: `${prefix}-${i + 1}`,
    name: `Bench ${prefix} ${i + 1}`,
    priceCents: 1000,
    onHand,
  }));
  return (await insertProducts(sql, specs)).map((p) => p.id).sort();
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
 * `count` products sold in `variantsEach` sizes ("Size": V1 … Vn, SKU <SLUG>-V<n>), each variant with `onHand`
 * units received as opening stock, as createProduct makes a product with options: the option row, one variant
 * per value, a stock level and a ledger row per variant, the product's price the lowest of its variants'.
 */
export async function createVariantProducts(
  sql: Sql,
  prefix: string,
  count: number,
  variantsEach: number,
  onHand: number,
): Promise<BenchVariantProduct[]> {
  const values = Array.from({ length: variantsEach }, (_, i) => `V${i + 1}`);
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
    ), level as (
      insert into stock_levels (product_id, variant_id, on_hand) select product_id, id, ${onHand}::int from variant
    ), ledger as (
      insert into stock_movements (product_id, variant_id, kind, on_hand_delta, reason)
      select product_id, id, 'receive', ${onHand}::int, 'opening stock' from variant where ${onHand}::int > 0
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
 * (LIKE … INCLUDING ALL), so the bare transaction pays the same per-row costs as the engine.
 */
export async function createBaselineTables(sql: Sql): Promise<void> {
  await sql.unsafe(`
    create table if not exists bench_baseline_stock (like stock_levels including all);
    create table if not exists bench_baseline_holds (like reservations including all);`);
}

export async function createBaselineProducts(sql: Sql, count: number, onHand: number): Promise<string[]> {
  // The bare design keys stock by one id: the baseline's rows carry it as both the product and the variant.
  const rows = await sql<{ product_id: string }[]>`
    insert into bench_baseline_stock (variant_id, product_id, on_hand)
    select id, id, ${onHand}::int from (select gen_random_uuid() as id from generate_series(1, ${count}::int)) as made
    returning product_id`;
  return rows.map((r) => r.product_id).sort();
}
