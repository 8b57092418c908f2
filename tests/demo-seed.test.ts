/**
 * The demo catalogue shows variants the way the app makes them: a shirt in sizes with one size sold out, a mug
 * in colours with one dearer, each variant with its own SKU, stock level and opening stock in the ledger, and the
 * product's price the lowest of its variants'. The shop keeps stock at Main and in a Back room drawn on after it,
 * which holds part of some products' stock: every variant has a stock row at both, each level equal to what the
 * ledger received there. `npm run reconcile` passes on the freshly seeded database.
 */
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { demoKits, demoProducts, demoVariantsOf, seedDemoCatalogue } from "../db/seed";
import { MAIN_LOCATION_ID } from "../db/schema";
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
    select v.sku, v.options, v.price_cents,
           (select sum(s.on_hand)::int from stock_levels s where s.variant_id = v.id) as on_hand,
           (select coalesce(sum(m.on_hand_delta), 0)::int from stock_movements m where m.variant_id = v.id) as received
    from product_variants v
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
    // Thirteen products with stock (one of them taking pre-orders), and one kit made of two of them (one variant,
    // the kit itself).
    expect(counts).toEqual({ products: 14, one_variant: 12 });

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

  it("seeds a kit of two demo products: no stock rows of its own, its components in order, available as its components allow", async () => {
    const rows = await sql<{ kind: string; sku: string; components: { sku: string; quantity: number }[]; stock_rows: number }[]>`
      select p.kind, v.sku,
             (select json_agg(json_build_object('sku', c.sku, 'quantity', k.quantity) order by k.position)
              from kit_components k join product_variants c on c.id = k.component_variant_id
              where k.kit_variant_id = v.id) as components,
             (select count(*)::int from stock_levels s where s.variant_id = v.id) as stock_rows
      from products p join product_variants v on v.product_id = p.id
      where p.slug = 'tea-for-two'`;
    expect(rows).toEqual([
      {
        kind: "kit",
        sku: "TEA-FOR-TWO",
        components: [
          { sku: "MUG-SAGE", quantity: 2 },
          { sku: "ZEN-TEA-TIN", quantity: 1 },
        ],
        stock_rows: 0,
      },
    ]);
    expect(demoKits.flatMap((k) => k.components.map((c) => c.sku)).every((sku) => demoProducts.flatMap(demoVariantsOf).some((v) => v.sku === sku))).toBe(true);
  });

  it("seeds a sold-out product taking pre-orders against a delivery on its way to Main", async () => {
    const rows = await sql<{ preorder: boolean; on_hand: number; incoming: number; expected_in: number; quantity: number; ledger: number }[]>`
      select v.preorder, s.on_hand, s.incoming, d.expected_on - current_date as expected_in, d.quantity,
             (select sum(m.incoming_delta)::int from stock_movements m where m.variant_id = v.id and m.location_id = s.location_id) as ledger
      from product_variants v
      join stock_levels s on s.variant_id = v.id and s.location_id = ${MAIN_LOCATION_ID}
      join incoming_deliveries d on d.variant_id = v.id and d.status = 'expected'
      where v.sku = 'FIELD-LANTERN'`;
    expect(rows).toEqual([{ preorder: true, on_hand: 0, incoming: 12, expected_in: 21, quantity: 12, ledger: 12 }]);
  });

  it("keeps stock at Main and in a Back room drawn on after it, part of some products' stock in each", async () => {
    const locations = await sql<{ id: string; name: string; priority: number; active: boolean }[]>`
      select id, name, priority, active from locations order by priority, id`;
    expect(locations.map((l) => [l.name, l.priority, l.active])).toEqual([
      ["Main", 0, true],
      ["Back room", 1, true],
    ]);
    const rows = await sql<{ sku: string; location: string; on_hand: number; received: number }[]>`
      select v.sku, l.name as location, s.on_hand,
             (select coalesce(sum(m.on_hand_delta), 0)::int from stock_movements m
              where m.variant_id = v.id and m.location_id = l.id) as received
      from product_variants v cross join locations l
      left join stock_levels s on s.variant_id = v.id and s.location_id = l.id
      where v.kind = 'stock'`;
    // Every variant with stock (a kit has none of its own) has a row at every location, each what the ledger received there.
    expect(rows.every((r) => r.on_hand !== null)).toBe(true);
    for (const r of rows) expect(r.on_hand, `${r.sku} at ${r.location}`).toBe(r.received);

    const at = (sku: string, location: string) => rows.find((r) => r.sku === sku && r.location === location)!.on_hand;
    const listed = demoProducts.flatMap(demoVariantsOf);
    const split = listed.filter((v) => at(v.sku, "Main") > 0 && at(v.sku, "Back room") > 0);
    expect(split.length).toBeGreaterThanOrEqual(3);
    // Some one-variant product can be bought beyond what Main holds (up to the 50 a line may take) by drawing on both.
    expect(split.some((v) => Object.keys(v.options).length === 0 && v.onHand <= 50)).toBe(true);
    for (const v of listed) {
      expect(at(v.sku, "Main") + at(v.sku, "Back room"), v.sku).toBe(v.onHand);
      expect(at(v.sku, "Back room"), v.sku).toBe(v.backRoom);
    }
  });

  it("seeds nothing into a shop that has products", async () => {
    expect(await seedDemoCatalogue(url)).toBe(false);
  });
});
