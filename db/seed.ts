/**
 * Demo data for a fresh embedded database: a dozen products, several with only a few units so that holds and
 * shortages are easy to see. Runs only when the catalogue is empty. Plain SQL, so scripts can run it too.
 */
import postgres from "postgres";
import { scriptClientOptions } from "./connection-settings";

export const demoProducts: { slug: string; name: string; priceCents: number; onHand: number; description: string }[] = [
  { slug: "aurora-desk-lamp", name: "Aurora Desk Lamp", priceCents: 4900, onHand: 25, description: "Warm, dimmable light for late work." },
  { slug: "fjord-wool-blanket", name: "Fjord Wool Blanket", priceCents: 8900, onHand: 12, description: "Heavy Norwegian wool, woven in one piece." },
  { slug: "kettle-no-9", name: "Kettle No. 9", priceCents: 6500, onHand: 3, description: "Stovetop kettle in brushed steel. Small batch." },
  { slug: "linen-apron", name: "Linen Apron", priceCents: 3200, onHand: 40, description: "Stonewashed linen with deep pockets." },
  { slug: "meridian-watch", name: "Meridian Watch", priceCents: 24900, onHand: 1, description: "The last one of a limited run." },
  { slug: "oak-cutting-board", name: "Oak Cutting Board", priceCents: 5400, onHand: 18, description: "End-grain oak, oiled by hand." },
  { slug: "pour-over-set", name: "Pour-Over Set", priceCents: 4200, onHand: 2, description: "Ceramic dripper with a glass carafe." },
  { slug: "ridge-backpack", name: "Ridge Backpack", priceCents: 11900, onHand: 9, description: "Waxed canvas, 22 litres." },
  { slug: "stoneware-mug", name: "Stoneware Mug", priceCents: 1800, onHand: 60, description: "Speckled glaze, holds 350 ml." },
  { slug: "tidal-print", name: "Tidal Print", priceCents: 7500, onHand: 2, description: "Signed giclée print, 50 × 70 cm." },
  { slug: "walnut-bookends", name: "Walnut Bookends", priceCents: 3900, onHand: 15, description: "A pair, solid walnut." },
  { slug: "zen-tea-tin", name: "Zen Tea Tin", priceCents: 1500, onHand: 30, description: "Airtight tin with a sencha sample." },
];

/** Inserts the demo catalogue if there are no products yet. Returns true if it seeded. */
export async function seedDemoCatalogue(databaseUrl: string): Promise<boolean> {
  const sql = postgres(databaseUrl, { max: 1, ...scriptClientOptions() });
  try {
    return await sql.begin(async (tx) => {
      // Two servers starting at once: only one seeds.
      await tx`select pg_advisory_xact_lock(7262002)`;
      const [existing] = await tx<{ count: number }[]>`select count(*)::int as count from products`;
      if ((existing?.count ?? 0) > 0) return false;
      for (const p of demoProducts) {
        const [product] = await tx<{ id: string }[]>`
          insert into products (slug, name, description, price_cents)
          values (${p.slug}, ${p.name}, ${p.description}, ${p.priceCents}) returning id`;
        const [variant] = await tx<{ id: string }[]>`
          insert into product_variants (product_id, sku, price_cents)
          values (${product!.id}, ${p.slug.toUpperCase()}, ${p.priceCents}) returning id`;
        await tx`insert into stock_levels (product_id, variant_id, on_hand) values (${product!.id}, ${variant!.id}, ${p.onHand})`;
        await tx`insert into stock_movements (product_id, variant_id, kind, on_hand_delta, reason)
                 values (${product!.id}, ${variant!.id}, 'receive', ${p.onHand}, 'opening stock')`;
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
