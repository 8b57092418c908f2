/**
 * Demo data for a fresh embedded database: a dozen products, several with only a few units so that holds and
 * shortages are easy to see, and two sold in variants: a shirt in sizes (one size sold out) and a mug in colours
 * (one dearer). The shop keeps stock in two locations: "Main" (every shop has it) and a "Back room" drawn on after
 * it (priority 1) that holds part of some products' stock, so a shopper buying more than Main holds gets units
 * from both. Written the way lib/catalog/products.ts createProduct and lib/inventory's transfers leave a product:
 * its options, one variant per SKU with a stock row at every location, an opening-stock ledger row per location
 * that received units, and the product's price the lowest of its variants'. Runs only when the catalogue is
 * empty. One kit, "Tea for Two", is made of two of the demo products; one product, "Field Lantern", is sold out
 * and taking pre-orders against a delivery on its way. Plain SQL, so scripts can run it too.
 */
import postgres from "postgres";
import { scriptClientOptions } from "./connection-settings";
import { MAIN_LOCATION_ID } from "./schema";

export interface DemoVariant {
  sku: string;
  options: Record<string, string>;
  /** Defaults to the product's price. */
  priceCents?: number;
  /** Units in all, over both locations. */
  onHand: number;
  /** Of `onHand`, the units kept in the Back room (the rest are at Main); none by default. */
  backRoom?: number;
  /** Takes pre-orders against a delivery of `incoming` units to Main, expected `inDays` from the seeding day. */
  preorder?: { incoming: number; inDays: number } | null;
}

export interface DemoProduct {
  slug: string;
  name: string;
  /** A product with variants: its lowest variant price (what the listing shows), checked when seeding. */
  priceCents: number;
  description: string;
  /** A one-variant product's stock; a product with variants keeps it on each variant. */
  onHand?: number;
  /** A one-variant product's units in the Back room, out of `onHand`. */
  backRoom?: number;
  options?: { name: string; values: string[] }[];
  variants?: DemoVariant[];
}

export const demoProducts: DemoProduct[] = [
  { slug: "aurora-desk-lamp", name: "Aurora Desk Lamp", priceCents: 4900, onHand: 25, description: "Warm, dimmable light for late work." },
  { slug: "fjord-wool-blanket", name: "Fjord Wool Blanket", priceCents: 8900, onHand: 12, backRoom: 8, description: "Heavy Norwegian wool, woven in one piece." },
  { slug: "kettle-no-9", name: "Kettle No. 9", priceCents: 6500, onHand: 3, description: "Stovetop kettle in brushed steel. Small batch." },
  {
    slug: "trail-shirt",
    name: "Trail Shirt",
    priceCents: 3800,
    description: "Merino-blend tee that dries overnight. Size M is sold out until the next batch.",
    options: [{ name: "Size", values: ["S", "M", "L", "XL"] }],
    variants: [
      { sku: "TRAIL-SHIRT-S", options: { Size: "S" }, onHand: 6 },
      { sku: "TRAIL-SHIRT-M", options: { Size: "M" }, onHand: 0 },
      { sku: "TRAIL-SHIRT-L", options: { Size: "L" }, onHand: 3 },
      { sku: "TRAIL-SHIRT-XL", options: { Size: "XL" }, onHand: 8, backRoom: 5 },
    ],
  },
  { slug: "meridian-watch", name: "Meridian Watch", priceCents: 24900, onHand: 1, description: "The last one of a limited run." },
  { slug: "oak-cutting-board", name: "Oak Cutting Board", priceCents: 5400, onHand: 18, backRoom: 10, description: "End-grain oak, oiled by hand." },
  { slug: "pour-over-set", name: "Pour-Over Set", priceCents: 4200, onHand: 2, description: "Ceramic dripper with a glass carafe." },
  { slug: "ridge-backpack", name: "Ridge Backpack", priceCents: 11900, onHand: 9, description: "Waxed canvas, 22 litres." },
  {
    slug: "stoneware-mug",
    name: "Stoneware Mug",
    priceCents: 1800,
    description: "Holds 350 ml. Speckled or sage glaze; the hand-painted cobalt is made to order in small runs.",
    options: [{ name: "Colour", values: ["Speckled", "Sage", "Cobalt"] }],
    variants: [
      { sku: "MUG-SPECKLED", options: { Colour: "Speckled" }, onHand: 40, backRoom: 24 },
      { sku: "MUG-SAGE", options: { Colour: "Sage" }, onHand: 20 },
      { sku: "MUG-COBALT", options: { Colour: "Cobalt" }, priceCents: 2400, onHand: 2 },
    ],
  },
  { slug: "tidal-print", name: "Tidal Print", priceCents: 7500, onHand: 2, description: "Signed giclée print, 50 × 70 cm." },
  { slug: "walnut-bookends", name: "Walnut Bookends", priceCents: 3900, onHand: 15, description: "A pair, solid walnut." },
  { slug: "zen-tea-tin", name: "Zen Tea Tin", priceCents: 1500, onHand: 30, backRoom: 18, description: "Airtight tin with a sencha sample." },
  {
    slug: "field-lantern",
    name: "Field Lantern",
    priceCents: 6900,
    description: "Brass storm lantern. The first batch sold out; the next is on its way: pre-order one now.",
    variants: [{ sku: "FIELD-LANTERN", options: {}, onHand: 0, preorder: { incoming: 12, inDays: 21 } }],
  },
];

/** A demo kit: a product with no stock of its own, made of demo variants (by SKU) and how many of each one kit takes. */
export interface DemoKit {
  slug: string;
  name: string;
  priceCents: number;
  description: string;
  components: { sku: string; quantity: number }[];
}

/** A gift set made of two demo products, so the demo shows a kit's page, cart line and order. */
export const demoKits: DemoKit[] = [
  {
    slug: "tea-for-two",
    name: "Tea for Two",
    priceCents: 4500,
    description: "Two sage stoneware mugs and a tin of sencha, boxed as a gift.",
    components: [
      { sku: "MUG-SAGE", quantity: 2 },
      { sku: "ZEN-TEA-TIN", quantity: 1 },
    ],
  },
];

/** The second location of the demo shop, drawn on when Main (priority 0) runs short. */
export const DEMO_BACK_ROOM = { name: "Back room", priority: 1 } as const;

/** A demo product's variants: the ones listed, or its one variant (SKU from the slug, as createProduct makes it). */
export function demoVariantsOf(p: DemoProduct): Required<DemoVariant>[] {
  const variants = p.variants ?? [{ sku: p.slug.toUpperCase(), options: {}, onHand: p.onHand ?? 0, backRoom: p.backRoom ?? 0 }];
  return variants.map((v) => ({ ...v, priceCents: v.priceCents ?? p.priceCents, backRoom: v.backRoom ?? 0, preorder: v.preorder ?? null }));
}

/** Inserts the demo catalogue if there are no products yet. Returns true if it seeded. */
export async function seedDemoCatalogue(databaseUrl: string): Promise<boolean> {
  const sql = postgres(databaseUrl, { max: 1, ...scriptClientOptions() });
  try {
    return await sql.begin(async (tx) => {
      // Two servers starting at once: only one seeds.
      await tx`select pg_advisory_xact_lock(7262002)`;
      const [existing] = await tx<{ count: number }[]>`select count(*)::int as count from products`;
      if ((existing?.count ?? 0) > 0) return false;
      // Main exists in every shop (migration 0009); the Back room is the demo's own.
      await tx`insert into locations (name, priority) values (${DEMO_BACK_ROOM.name}, ${DEMO_BACK_ROOM.priority})
               on conflict (lower(name)) do nothing`;
      const stockAt = await tx<{ id: string; name: string }[]>`select id, name from locations`;
      const backRoomId = stockAt.find((l) => l.name.toLowerCase() === DEMO_BACK_ROOM.name.toLowerCase())!.id;
      for (const p of demoProducts) {
        const variants = demoVariantsOf(p);
        // The listing price is the lowest variant price, as syncListingPrice keeps it.
        const listingPrice = Math.min(...variants.map((v) => v.priceCents));
        const [product] = await tx<{ id: string }[]>`
          insert into products (slug, name, description, price_cents)
          values (${p.slug}, ${p.name}, ${p.description}, ${listingPrice}) returning id`;
        for (const [position, option] of (p.options ?? []).entries()) {
          await tx`insert into product_options (product_id, position, name, values)
                   values (${product!.id}, ${position}, ${option.name}, ${option.values}::text[])`;
        }
        for (const [position, v] of variants.entries()) {
          const [variant] = await tx<{ id: string }[]>`
            insert into product_variants (product_id, sku, options, price_cents, position)
            values (${product!.id}, ${v.sku}, ${tx.json(v.options)}, ${v.priceCents}, ${position}) returning id`;
          // A stock row at every location; the units at Main and in the Back room as listed.
          const units = (locationId: string) => (locationId === backRoomId ? v.backRoom : locationId === MAIN_LOCATION_ID ? v.onHand - v.backRoom : 0);
          for (const location of stockAt) {
            await tx`insert into stock_levels (product_id, variant_id, location_id, on_hand)
                     values (${product!.id}, ${variant!.id}, ${location.id}, ${units(location.id)})`;
            // As receiveOpeningStock: a ledger row only for stock actually received, where it was received.
            if (units(location.id) > 0) {
              await tx`insert into stock_movements (product_id, variant_id, location_id, kind, on_hand_delta, reason)
                       values (${product!.id}, ${variant!.id}, ${location.id}, 'receive', ${units(location.id)}, 'opening stock')`;
            }
          }
          // As lib/inventory's recordIncoming and setPreorder leave it: the flag on the variant and its rows, the
          // delivery, Main's incoming units and their ledger row.
          if (v.preorder) {
            await tx`update product_variants set preorder = true where id = ${variant!.id}`;
            await tx`update stock_levels set preorder = true,
                       incoming = case when location_id = ${MAIN_LOCATION_ID} then ${v.preorder.incoming}::int else 0 end
                     where variant_id = ${variant!.id}`;
            const [delivery] = await tx<{ id: string; expected_on: string }[]>`
              insert into incoming_deliveries (product_id, variant_id, location_id, quantity, expected_on)
              values (${product!.id}, ${variant!.id}, ${MAIN_LOCATION_ID}, ${v.preorder.incoming}, current_date + ${v.preorder.inDays}::int)
              returning id, expected_on::text`;
            await tx`insert into stock_movements (product_id, variant_id, location_id, kind, incoming_delta, delivery_id, reason)
                     values (${product!.id}, ${variant!.id}, ${MAIN_LOCATION_ID}, 'incoming', ${v.preorder.incoming}, ${delivery!.id},
                             ${`expected ${delivery!.expected_on}`})`;
          }
        }
      }
      // Kits last, from the variants just made, as createProduct makes one: one variant of kind 'kit', no stock
      // rows, its components listed in order.
      for (const k of demoKits) {
        const [product] = await tx<{ id: string }[]>`
          insert into products (slug, name, description, price_cents, kind)
          values (${k.slug}, ${k.name}, ${k.description}, ${k.priceCents}, 'kit') returning id`;
        const [variant] = await tx<{ id: string }[]>`
          insert into product_variants (product_id, sku, options, price_cents, position, kind)
          values (${product!.id}, ${k.slug.toUpperCase()}, ${tx.json({})}, ${k.priceCents}, 0, 'kit') returning id`;
        for (const [position, c] of k.components.entries()) {
          await tx`insert into kit_components (kit_variant_id, component_variant_id, component_product_id, quantity, position)
                   select ${variant!.id}, id, product_id, ${c.quantity}, ${position} from product_variants where sku = ${c.sku}`;
        }
      }
      return true;
    });
  } finally {
    await sql.end();
  }
}

/**
 * Creates the admin account, or resets its password and role if the email exists. The operator named the
 * address, so it counts as proven (verified) either way.
 */
export async function upsertAdmin(databaseUrl: string, email: string, password: string): Promise<void> {
  const { default: bcrypt } = await import("bcryptjs");
  const passwordHash = await bcrypt.hash(password, 10);
  const sql = postgres(databaseUrl, { max: 1, ...scriptClientOptions() });
  try {
    await sql`
      insert into users (kind, email, name, password_hash, email_verified_at)
      values ('admin', ${email.toLowerCase()}, 'Admin', ${passwordHash}, now())
      on conflict (lower(email)) where email is not null
      do update set kind = 'admin', password_hash = excluded.password_hash,
        email_verified_at = coalesce(users.email_verified_at, now())`;
  } finally {
    await sql.end();
  }
}
