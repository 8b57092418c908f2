/**
 * Products with opening stock, written in one statement the way lib/catalog.ts createProduct writes them
 * (product, a stock row at every location, and an opening-stock ledger row at the first location by priority when
 * there is stock). The one way tests, fault tests and the bench make products on a database of their own; engine
 * tests on the file's database use tests/support/fixtures.ts makeProduct, which calls createProduct itself.
 */
import postgres, { type Sql } from "postgres";

export interface ProductSpec {
  slug: string;
  priceCents: number;
  onHand: number;
  name?: string;
}

export interface SeededProduct {
  id: string;
  slug: string;
  priceCents: number;
  onHand: number;
}

/** Inserts the products in the order given and answers them in that order. */
export async function insertProducts(sql: Sql, specs: ProductSpec[]): Promise<SeededProduct[]> {
  if (specs.length === 0) return [];
  const rows = await sql<{ id: string; slug: string }[]>`
    with spec as (
      select * from unnest(${specs.map((s) => s.slug)}::text[], ${specs.map((s) => s.name ?? `Test ${s.slug}`)}::text[],
                           ${specs.map((s) => s.priceCents)}::int[], ${specs.map((s) => s.onHand)}::int[])
                    with ordinality as s(slug, name, price_cents, on_hand, n)
    ), product as (
      insert into products (slug, name, price_cents) select slug, name, price_cents from spec order by n
      returning id, slug
    ), variant as (
      insert into product_variants (product_id, sku, price_cents)
      select p.id, upper(p.slug), s.price_cents from product p join spec s using (slug)
      returning id, product_id
    ), first_location as (
      select id from locations order by active desc, priority, id limit 1
    ), level as (
      insert into stock_levels (product_id, variant_id, location_id, on_hand)
      select p.id, v.id, l.id, case when l.id = f.id then s.on_hand else 0 end
      from product p join spec s using (slug) join variant v on v.product_id = p.id
      cross join locations l cross join first_location f
    ), ledger as (
      insert into stock_movements (product_id, variant_id, location_id, kind, on_hand_delta, reason)
      select p.id, v.id, f.id, 'receive', s.on_hand, 'opening stock'
      from product p join spec s using (slug) join variant v on v.product_id = p.id cross join first_location f where s.on_hand > 0
    )
    select id, slug from product`;
  const idOf = new Map(rows.map((r) => [r.slug, r.id]));
  return specs.map((s) => ({ id: idOf.get(s.slug)!, slug: s.slug, priceCents: s.priceCents, onHand: s.onHand }));
}

/** The same on the database at `url`, over a connection of its own. */
export async function seedProducts(url: string, specs: ProductSpec[]): Promise<SeededProduct[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await insertProducts(sql, specs);
  } finally {
    await sql.end();
  }
}
