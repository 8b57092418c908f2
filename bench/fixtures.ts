/**
 * Bench data made in bulk with plain SQL, shaped exactly as the app makes it: products with opening stock
 * recorded in the ledger, guest shoppers with one cart each. Also the baseline's own two tables.
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
