/**
 * The demo catalogue shows variants the way the app makes them: a shirt in sizes with one size sold out, a mug
 * in colours with one dearer, each variant with its own SKU, stock level and opening stock in the ledger, and the
 * product's price the lowest of its variants'. `npm run reconcile` passes on the freshly seeded database.
 */
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { seedDemoCatalogue } from "../db/seed";
import { runReconcileCli } from "./faults/support";

const url = process.env.DATABASE_URL!;
const sql = postgres(url, { max: 1, onnotice: () => {} });

afterAll(async () => {
  await sql.end();
});

interface VariantRow {
  sku: string;
  options: Record<string, string>;
  price_cents: number;
  on_hand: number;
  received: number;
}

async function variantsOf(slug: string): Promise<{ price: number; options: { name: string; values: string[] }[]; variants: VariantRow[] }> {
  const [product] = await sql<{ id: string; price_cents: number }[]>`select id, price_cents from products where slug = ${slug}`;
  const options = await sql<{ name: string; values: string[] }[]>`
    select name, values from product_options where product_id = ${product!.id} order by position`;
  const variants = await sql<VariantRow[]>`
    select v.sku, v.options, v.price_cents, s.on_hand,
           (select coalesce(sum(m.on_hand_delta), 0)::int from stock_movements m where m.variant_id = v.id) as received
    from product_variants v join stock_levels s on s.variant_id = v.id
    where v.product_id = ${product!.id} order by v.position`;
  return { price: product!.price_cents, options: [...options], variants: [...variants] };
}

describe("the demo catalogue", () => {
  it("seeds a shirt in sizes (M sold out) and a mug in colours (one dearer) beside one-variant products, and reconciles", { timeout: 60_000 }, async () => {
    expect(await seedDemoCatalogue(url)).toBe(true);
    const [counts] = await sql<{ products: number; one_variant: number }[]>`
      select count(*)::int as products,
             count(*) filter (where (select count(*) from product_variants v where v.product_id = p.id) = 1)::int as one_variant
      from products p`;
    expect(counts).toEqual({ products: 12, one_variant: 10 });

    const shirt = await variantsOf("trail-shirt");
    expect(shirt.options).toEqual([{ name: "Size", values: ["S", "M", "L", "XL"] }]);
    expect(shirt.variants.map((v) => [v.sku, v.options.Size])).toEqual([
      ["TRAIL-SHIRT-S", "S"],
      ["TRAIL-SHIRT-M", "M"],
      ["TRAIL-SHIRT-L", "L"],
      ["TRAIL-SHIRT-XL", "XL"],
    ]);
    expect(shirt.variants.find((v) => v.options.Size === "M")!.on_hand).toBe(0);
    expect(shirt.variants.filter((v) => v.on_hand > 0)).toHaveLength(3);

    const mug = await variantsOf("stoneware-mug");
    expect(mug.options).toEqual([{ name: "Colour", values: ["Speckled", "Sage", "Cobalt"] }]);
    const prices = new Set(mug.variants.map((v) => v.price_cents));
    expect(prices.size).toBe(2);
    expect(mug.price).toBe(Math.min(...prices));

    // Every variant's level is what the ledger received for it.
    for (const v of [...shirt.variants, ...mug.variants]) expect(v.on_hand, v.sku).toBe(v.received);

    const reconcile = await runReconcileCli(url);
    expect(reconcile.output).toMatch(/OK: every level equals the ledger/);
    expect(reconcile.code, reconcile.output).toBe(0);
  });

  it("seeds nothing into a shop that has products", async () => {
    expect(await seedDemoCatalogue(url)).toBe(false);
  });
});
