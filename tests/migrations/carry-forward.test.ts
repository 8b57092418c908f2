/**
 * Schema changes carry a shop's existing data forward: a database filled under an older schema is migrated to the
 * current one, and its rows keep their meaning. Each migration that moves data gets a case here.
 */
import crypto from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runMigrations } from "@/db/migrate";
import { pool } from "@/db/client";
import { startCheckout } from "@/lib/checkout";
import { reconcileStock } from "@/lib/inventory";
import { fulfilOrder } from "@/lib/orders";
import { TEST_CARDS } from "@/lib/payments";
import { endTestProviderConnections } from "@/lib/payments/test-provider";
import { growHistory, growthSize } from "@/bench/growth-seed";
import { runReconcileCli } from "../faults/support";
import { payInFull } from "../support/fixtures";
import { shopperWithVariantCart } from "../support/variants";

const serverUrl = inject("serverUrl");
const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
const created: string[] = [];
/** The location migration 0009 puts every shop's stock at, "Main". */
const MAIN = "00000000-0000-4000-8000-000000000001";

/** A new, empty database on the test server, with the first `count` migrations applied. */
async function databaseAt(count: number): Promise<{ url: string; sql: postgres.Sql }> {
  const name = `stockhold_migrate_${crypto.randomBytes(6).toString("hex")}`;
  await admin.unsafe(`create database ${name}`);
  created.push(name);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await runMigrations(url.toString(), { count });
  return { url: url.toString(), sql: postgres(url.toString(), { max: 1, onnotice: () => {} }) };
}

afterAll(async () => {
  for (const name of created) await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
});

describe("migration 0006 (account proofs, order-line names, cancelled orders)", () => {
  let shop: { url: string; sql: postgres.Sql };
  const ids = { admin: "", shopper: "", guest: "", product: "", order: "" };

  beforeAll(async () => {
    // 0000–0005: the schema before this migration, filled as a shop running it would be.
    shop = await databaseAt(6);
    const { sql } = shop;
    const [a] = await sql`insert into users (kind, email, name, password_hash)
      values ('admin', 'owner@shop.test', 'Owner', 'x') returning id`;
    const [s] = await sql`insert into users (kind, email, name, password_hash)
      values ('shopper', 'sam@shop.test', 'Sam', 'x') returning id`;
    const [g] = await sql`insert into users (kind) values ('guest') returning id`;
    const [p] = await sql`insert into products (slug, name, price_cents) values ('old-kettle', 'Old Kettle', 2500) returning id`;
    ids.admin = a!.id;
    ids.shopper = s!.id;
    ids.guest = g!.id;
    ids.product = p!.id;
    await sql`insert into stock_levels (product_id, on_hand, allocated) values (${ids.product}, 5, 2)`;
    const [cart] = await sql`insert into carts (shopper_id) values (${ids.guest}) returning id`;
    const [checkout] = await sql`insert into checkouts (cart_id, shopper_id, status, ended_by, email, total_cents, expires_at, hard_expires_at, ended_at)
      values (${cart!.id}, ${ids.guest}, 'completed', 'payment', 'guest@shop.test', 5000, now(), now(), now()) returning id`;
    const [order] = await sql`insert into orders (checkout_id, shopper_id, email, total_cents, payment_reference)
      values (${checkout!.id}, ${ids.guest}, 'guest@shop.test', 5000, 'ref_1') returning id`;
    ids.order = order!.id;
    await sql`insert into order_lines (order_id, product_id, quantity, unit_price_cents) values (${ids.order}, ${ids.product}, 2, 2500)`;
    await sql`insert into email_outbox (kind, recipient, subject, text_body, html_body, dedupe_key)
      values ('order_confirmation', 'guest@shop.test', 'Thanks', 't', 'h', 'order:1')`;

    await runMigrations(shop.url);
  });

  afterAll(async () => {
    await shop.sql.end();
  });

  it("gives every existing order line the name its product had when the shop was migrated", async () => {
    const lines = await shop.sql`select name, quantity, unit_price_cents from order_lines where order_id = ${ids.order}`;
    expect(lines).toEqual([{ name: "Old Kettle", quantity: 2, unit_price_cents: 2500 }]);
    // A later rename leaves the order line as it was sold.
    await shop.sql`update products set name = 'New Kettle' where id = ${ids.product}`;
    const [line] = await shop.sql`select name from order_lines where order_id = ${ids.order}`;
    expect(line!.name).toBe("Old Kettle");
    // New lines must name what they sell.
    await expect(
      shop.sql`insert into order_lines (order_id, product_id, quantity, unit_price_cents) values (${ids.order}, ${crypto.randomUUID()}, 1, 1)`,
    ).rejects.toThrow();
  });

  it("counts the operator's admin address as proven and a shopper's as still to prove", async () => {
    const users = await shop.sql`select id, email_verified_at is not null as verified from users where kind <> 'guest' order by email`;
    expect(users).toEqual([
      { id: ids.admin, verified: true },
      { id: ids.shopper, verified: false },
    ]);
  });

  it("keeps orders, stock and the outbox as they were, and accepts the new kinds and statuses", async () => {
    const [order] = await shop.sql`select status, shopper_id, total_cents from orders where id = ${ids.order}`;
    expect(order).toEqual({ status: "paid", shopper_id: ids.guest, total_cents: "5000" });
    const [stock] = await shop.sql`select on_hand, reserved, allocated from stock_levels where product_id = ${ids.product}`;
    expect(stock).toEqual({ on_hand: 5, reserved: 0, allocated: 2 });
    await shop.sql`update orders set status = 'cancelled', cancelled_at = now() where id = ${ids.order}`;
    await shop.sql`insert into email_outbox (kind, recipient, subject, text_body, html_body, dedupe_key)
      values ('verify_email', 'sam@shop.test', 'Confirm', 't', 'h', 'verify:1')`;
    await expect(shop.sql`update orders set status = 'lost' where id = ${ids.order}`).rejects.toThrow(/orders_status_valid/);
    await expect(
      shop.sql`insert into account_tokens (user_id, purpose, email, token_hash, expires_at)
        values (${ids.shopper}, 'sign_in_anywhere', 'sam@shop.test', 'h', now())`,
    ).rejects.toThrow(/account_tokens_purpose_valid/);
  });
});

describe("migration 0008 (variants: the unit of stock)", () => {
  let shop: { url: string; sql: postgres.Sql };
  const ids = { shopper: "", lamp: "", mug: "", cart: "", checkout: "", paidCheckout: "", order: "" };

  beforeAll(async () => {
    // 0000–0007: one stock row per product, filled as a shop running it would be.
    shop = await databaseAt(8);
    const { sql } = shop;
    const [s] = await sql`insert into users (kind) values ('guest') returning id`;
    ids.shopper = s!.id;
    const [lamp] = await sql`insert into products (slug, name, price_cents) values ('desk-lamp', 'Desk Lamp', 4000) returning id`;
    const [mug] = await sql`insert into products (slug, name, price_cents, archived_at) values ('old-mug', 'Old Mug', 900, now()) returning id`;
    ids.lamp = lamp!.id;
    ids.mug = mug!.id;
    await sql`insert into stock_levels (product_id, on_hand, reserved, allocated) values (${ids.lamp}, 10, 2, 3), (${ids.mug}, 4, 0, 0)`;
    const [cart] = await sql`insert into carts (shopper_id) values (${ids.shopper}) returning id`;
    ids.cart = cart!.id;
    await sql`insert into cart_lines (cart_id, product_id, quantity) values (${ids.cart}, ${ids.lamp}, 2), (${ids.cart}, ${ids.mug}, 1)`;
    const [live] = await sql`insert into checkouts (cart_id, shopper_id, total_cents, expires_at, hard_expires_at)
      values (${ids.cart}, ${ids.shopper}, 8000, now() + interval '10 minutes', now() + interval '1 hour') returning id`;
    ids.checkout = live!.id;
    await sql`insert into reservations (checkout_id, shopper_id, product_id, quantity, unit_price_cents, expires_at)
      values (${ids.checkout}, ${ids.shopper}, ${ids.lamp}, 2, 4000, now() + interval '10 minutes')`;
    const [paid] = await sql`insert into checkouts (cart_id, shopper_id, status, ended_by, total_cents, expires_at, hard_expires_at, ended_at)
      values (${ids.cart}, ${ids.shopper}, 'completed', 'payment', 12000, now(), now(), now()) returning id`;
    ids.paidCheckout = paid!.id;
    const [order] = await sql`insert into orders (checkout_id, shopper_id, total_cents, payment_reference)
      values (${ids.paidCheckout}, ${ids.shopper}, 12000, 'ref_8') returning id`;
    ids.order = order!.id;
    await sql`insert into order_lines (order_id, product_id, name, quantity, unit_price_cents) values (${ids.order}, ${ids.lamp}, 'Desk Lamp', 3, 4000)`;
    await sql`insert into stock_movements (product_id, kind, on_hand_delta) values (${ids.lamp}, 'receive', 10), (${ids.mug}, 'receive', 4)`;
    await sql`insert into stock_movements (product_id, kind, reserved_delta, checkout_id) values (${ids.lamp}, 'reserve', 5, ${ids.paidCheckout})`;
    await sql`insert into stock_movements (product_id, kind, reserved_delta, allocated_delta, checkout_id, order_id)
      values (${ids.lamp}, 'allocate', -3, 3, ${ids.paidCheckout}, ${ids.order})`;

    await runMigrations(shop.url);
  });

  afterAll(async () => {
    await shop.sql.end();
  });

  it("makes every product a one-variant product with its price and a SKU made from its slug", async () => {
    const variants = await shop.sql`select product_id, sku, options, price_cents, retired_at from product_variants order by sku`;
    expect(variants).toEqual([
      { product_id: ids.lamp, sku: "DESK-LAMP", options: {}, price_cents: 4000, retired_at: null },
      { product_id: ids.mug, sku: "OLD-MUG", options: {}, price_cents: 900, retired_at: null },
    ]);
    expect(await shop.sql`select count(*)::int as n from product_options`).toEqual([{ n: 0 }]);
  });

  it("keeps stock, cart lines, holds, order lines and the ledger on that variant, with every number intact", async () => {
    const { sql } = shop;
    const [lampVariant] = await sql`select id from product_variants where product_id = ${ids.lamp}`;
    const variant = lampVariant!.id as string;
    expect(await sql`select on_hand, reserved, allocated from stock_levels where variant_id = ${variant}`).toEqual([
      { on_hand: 10, reserved: 2, allocated: 3 },
    ]);
    expect(await sql`select variant_id, quantity from cart_lines where product_id = ${ids.lamp}`).toEqual([
      { variant_id: variant, quantity: 2 },
    ]);
    expect(await sql`select variant_id, quantity, status from reservations where checkout_id = ${ids.checkout}`).toEqual([
      { variant_id: variant, quantity: 2, status: "active" },
    ]);
    expect(await sql`select variant_id, sku, options, name, quantity from order_lines where order_id = ${ids.order}`).toEqual([
      { variant_id: variant, sku: "DESK-LAMP", options: {}, name: "Desk Lamp", quantity: 3 },
    ]);
    const ledger = await sql`select kind, on_hand_delta, reserved_delta, allocated_delta from stock_movements where variant_id = ${variant} order by id`;
    expect(ledger.map((row) => row.kind)).toEqual(["receive", "reserve", "allocate"]);
    expect(await sql`select count(*)::int as n from stock_movements where variant_id is null`).toEqual([{ n: 0 }]);
  });

  it("keeps the ledger append-only and holds the new invariants as constraints", async () => {
    const { sql } = shop;
    await expect(sql`update stock_movements set reason = 'x'`).rejects.toThrow();
    const [mugVariant] = await sql`select id from product_variants where product_id = ${ids.mug}`;
    // An order line's variant must belong to its product.
    await expect(
      sql`insert into order_lines (order_id, product_id, variant_id, name, sku, quantity, unit_price_cents)
        values (${ids.order}, ${ids.lamp}, ${mugVariant!.id}, 'Desk Lamp', 'OLD-MUG', 1, 4000)`,
    ).rejects.toThrow(/order_lines_variant_fk/);
    // SKUs are unique whatever their case; a combination of options is one variant per product.
    await expect(sql`insert into product_variants (product_id, sku, price_cents) values (${ids.mug}, 'desk-lamp', 1)`).rejects.toThrow(
      /product_variants_sku_unique/,
    );
    await expect(sql`insert into product_variants (product_id, sku, price_cents) values (${ids.mug}, 'MUG-2', 1)`).rejects.toThrow(
      /product_variants_one_per_combination/,
    );
    // Two variants of one product each keep their own stock row.
    const [second] = await sql`insert into product_variants (product_id, sku, options, price_cents)
      values (${ids.mug}, 'OLD-MUG-RED', ${sql.json({ Colour: "Red" })}, 900) returning id`;
    await sql`insert into stock_levels (variant_id, location_id, product_id, on_hand) values (${second!.id}, ${MAIN}, ${ids.mug}, 1)`;
    await expect(sql`update stock_levels set reserved = 2 where variant_id = ${second!.id}`).rejects.toThrow(/stock_never_oversold/);
  });
});

describe("migration 0009 (locations: every shop's stock at Main)", () => {
  // This case checks the migrated shop with lib/ itself, whose pool connects (lazily) to this file's database:
  // that database is made afresh here at 0000–0008, filled, and migrated, before anything of lib/ connects.
  const fileDatabase = process.env.TEST_DATABASE_NAME!;
  const fileUrl = process.env.DATABASE_URL!;
  let sql: postgres.Sql;
  const ids = { shopper: "", lamp: "", shirt: "", lampV: "", shirtS: "", shirtM: "", live: "", paid: "", shipped: "", paidOrder: "", shippedOrder: "" };
  let ledgerRows = 0;

  beforeAll(async () => {
    await admin.unsafe(`drop database if exists ${fileDatabase} with (force)`);
    await admin.unsafe(`create database ${fileDatabase}`);
    await runMigrations(fileUrl, { count: 9 });
    sql = postgres(fileUrl, { max: 1, onnotice: () => {} });
    // A shop under 0008: a lamp (one variant) and a shirt in two sizes, a live checkout holding both, a paid
    // order not yet shipped and a shipped one, with the ledger that made every level.
    const [s] = await sql`insert into users (kind) values ('guest') returning id`;
    ids.shopper = s!.id;
    const [lamp] = await sql`insert into products (slug, name, price_cents) values ('brass-lamp', 'Brass Lamp', 4000) returning id`;
    const [shirt] = await sql`insert into products (slug, name, price_cents) values ('linen-shirt', 'Linen Shirt', 3000) returning id`;
    ids.lamp = lamp!.id;
    ids.shirt = shirt!.id;
    await sql`insert into product_options (product_id, position, name, values) values (${ids.shirt}, 0, 'Size', ${["S", "M"]})`;
    const [lv] = await sql`insert into product_variants (product_id, sku, price_cents) values (${ids.lamp}, 'BRASS-LAMP', 4000) returning id`;
    const [sv] = await sql`insert into product_variants (product_id, sku, options, price_cents, position)
      values (${ids.shirt}, 'LINEN-S', ${sql.json({ Size: "S" })}, 3000, 0) returning id`;
    const [mv] = await sql`insert into product_variants (product_id, sku, options, price_cents, position)
      values (${ids.shirt}, 'LINEN-M', ${sql.json({ Size: "M" })}, 3000, 1) returning id`;
    ids.lampV = lv!.id;
    ids.shirtS = sv!.id;
    ids.shirtM = mv!.id;
    await sql`insert into stock_levels (variant_id, product_id, on_hand, reserved, allocated) values
      (${ids.lampV}, ${ids.lamp}, 10, 2, 3), (${ids.shirtS}, ${ids.shirt}, 3, 0, 0), (${ids.shirtM}, ${ids.shirt}, 4, 1, 0)`;
    const [theCart] = await sql`insert into carts (shopper_id) values (${ids.shopper}) returning id`;
    const cart = async () => theCart!.id as string;
    // Started at a whole millisecond, as the hold batch writes it (from a JavaScript Date).
    const [live] = await sql`insert into checkouts (cart_id, shopper_id, email, total_cents, started_at, expires_at, hard_expires_at)
      values (${await cart()}, ${ids.shopper}, 'live@shop.test', 11000, date_trunc('milliseconds', now()),
              now() + interval '10 minutes', now() + interval '1 hour') returning id`;
    ids.live = live!.id;
    const ended = async (total: number) =>
      (
        await sql`insert into checkouts (cart_id, shopper_id, status, ended_by, email, total_cents, started_at, expires_at, hard_expires_at, ended_at)
          values (${await cart()}, ${ids.shopper}, 'completed', 'payment', 'paid@shop.test', ${total},
                  now() - interval '1 day', now() - interval '1 day', now() - interval '1 day', now() - interval '1 day') returning id`
      )[0]!.id as string;
    ids.paid = await ended(12000);
    ids.shipped = await ended(11000);
    await sql`insert into reservations (checkout_id, shopper_id, product_id, variant_id, quantity, unit_price_cents, status, expires_at) values
      (${ids.live}, ${ids.shopper}, ${ids.lamp}, ${ids.lampV}, 2, 4000, 'active', now() + interval '10 minutes'),
      (${ids.live}, ${ids.shopper}, ${ids.shirt}, ${ids.shirtM}, 1, 3000, 'active', now() + interval '10 minutes'),
      (${ids.paid}, ${ids.shopper}, ${ids.lamp}, ${ids.lampV}, 3, 4000, 'allocated', now()),
      (${ids.shipped}, ${ids.shopper}, ${ids.lamp}, ${ids.lampV}, 2, 4000, 'allocated', now()),
      (${ids.shipped}, ${ids.shopper}, ${ids.shirt}, ${ids.shirtM}, 1, 3000, 'allocated', now())`;
    const [paidOrder] = await sql`insert into orders (checkout_id, shopper_id, email, total_cents, payment_reference)
      values (${ids.paid}, ${ids.shopper}, 'paid@shop.test', 12000, 'ref_paid') returning id`;
    const [shippedOrder] = await sql`insert into orders (checkout_id, shopper_id, email, status, total_cents, payment_reference, fulfilled_at)
      values (${ids.shipped}, ${ids.shopper}, 'paid@shop.test', 'fulfilled', 11000, 'ref_shipped', now()) returning id`;
    ids.paidOrder = paidOrder!.id;
    ids.shippedOrder = shippedOrder!.id;
    await sql`insert into order_lines (order_id, product_id, variant_id, name, sku, options, quantity, unit_price_cents) values
      (${ids.paidOrder}, ${ids.lamp}, ${ids.lampV}, 'Brass Lamp', 'BRASS-LAMP', '{}', 3, 4000),
      (${ids.shippedOrder}, ${ids.lamp}, ${ids.lampV}, 'Brass Lamp', 'BRASS-LAMP', '{}', 2, 4000),
      (${ids.shippedOrder}, ${ids.shirt}, ${ids.shirtM}, 'Linen Shirt', 'LINEN-M', ${sql.json({ Size: "M" })}, 1, 3000)`;
    const move = (product: string, variant: string, kind: string, d: { onHand?: number; reserved?: number; allocated?: number }, refs: { checkout?: string; order?: string } = {}) =>
      sql`insert into stock_movements (product_id, variant_id, kind, on_hand_delta, reserved_delta, allocated_delta, checkout_id, order_id)
        values (${product}, ${variant}, ${kind}, ${d.onHand ?? 0}, ${d.reserved ?? 0}, ${d.allocated ?? 0}, ${refs.checkout ?? null}, ${refs.order ?? null})`;
    const lampMoves = [
      move(ids.lamp, ids.lampV, "receive", { onHand: 12 }),
      move(ids.lamp, ids.lampV, "reserve", { reserved: 3 }, { checkout: ids.paid }),
      move(ids.lamp, ids.lampV, "allocate", { reserved: -3, allocated: 3 }, { checkout: ids.paid, order: ids.paidOrder }),
      move(ids.lamp, ids.lampV, "reserve", { reserved: 2 }, { checkout: ids.shipped }),
      move(ids.lamp, ids.lampV, "allocate", { reserved: -2, allocated: 2 }, { checkout: ids.shipped, order: ids.shippedOrder }),
      move(ids.lamp, ids.lampV, "fulfil", { onHand: -2, allocated: -2 }, { order: ids.shippedOrder }),
      move(ids.lamp, ids.lampV, "reserve", { reserved: 2 }, { checkout: ids.live }),
    ];
    const shirtMoves = [
      move(ids.shirt, ids.shirtS, "receive", { onHand: 3 }),
      move(ids.shirt, ids.shirtM, "receive", { onHand: 5 }),
      move(ids.shirt, ids.shirtM, "reserve", { reserved: 1 }, { checkout: ids.shipped }),
      move(ids.shirt, ids.shirtM, "allocate", { reserved: -1, allocated: 1 }, { checkout: ids.shipped, order: ids.shippedOrder }),
      move(ids.shirt, ids.shirtM, "fulfil", { onHand: -1, allocated: -1 }, { order: ids.shippedOrder }),
      move(ids.shirt, ids.shirtM, "reserve", { reserved: 1 }, { checkout: ids.live }),
    ];
    for (const m of [...lampMoves, ...shirtMoves]) await m;
    ledgerRows = lampMoves.length + shirtMoves.length;

    await runMigrations(fileUrl);
  });

  afterAll(async () => {
    await sql?.end();
    await pool.end();
    await endTestProviderConnections();
  });

  it("has one location, Main, holding every level as it was", async () => {
    expect(await sql`select id, name, priority, active from locations`).toEqual([{ id: MAIN, name: "Main", priority: 0, active: true }]);
    expect(await sql`select variant_id, location_id, on_hand, reserved, allocated from stock_levels order by on_hand`).toEqual([
      { variant_id: ids.shirtS, location_id: MAIN, on_hand: 3, reserved: 0, allocated: 0 },
      { variant_id: ids.shirtM, location_id: MAIN, on_hand: 4, reserved: 1, allocated: 0 },
      { variant_id: ids.lampV, location_id: MAIN, on_hand: 10, reserved: 2, allocated: 3 },
    ]);
  });

  it("puts every hold and every ledger row at Main, and allocates every order line there (shipped ones shipped)", async () => {
    const holds = await sql`select checkout_id, variant_id, location_id, quantity, status from reservations order by checkout_id, variant_id`;
    expect(holds).toHaveLength(5);
    expect(holds.every((h) => h.location_id === MAIN)).toBe(true);
    expect(await sql`select count(*)::int as n, count(*) filter (where location_id = ${MAIN})::int as at_main from stock_movements`).toEqual([
      { n: ledgerRows, at_main: ledgerRows },
    ]);
    const allocations = await sql`select order_id, variant_id, location_id, product_id, quantity, fulfilled from order_allocations`;
    expect(allocations).toHaveLength(3);
    expect(allocations).toEqual(
      expect.arrayContaining([
        { order_id: ids.paidOrder, variant_id: ids.lampV, location_id: MAIN, product_id: ids.lamp, quantity: 3, fulfilled: 0 },
        { order_id: ids.shippedOrder, variant_id: ids.lampV, location_id: MAIN, product_id: ids.lamp, quantity: 2, fulfilled: 2 },
        { order_id: ids.shippedOrder, variant_id: ids.shirtM, location_id: MAIN, product_id: ids.shirt, quantity: 1, fulfilled: 1 },
      ]),
    );
  });

  it("reconciles, and holds, pays and ships as before, at Main", async () => {
    expect(await reconcileStock()).toMatchObject({ ok: true, problems: [] });
    // The live checkout from before the migration is paid: its holds are allocated at Main.
    const liveOrder = await payInFull({ checkoutId: ids.live, shopperId: ids.shopper, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "after-0009" });
    expect(
      await sql`select variant_id, location_id, quantity from order_allocations where order_id = ${liveOrder.id} order by quantity`,
    ).toEqual([
      { variant_id: ids.shirtM, location_id: MAIN, quantity: 1 },
      { variant_id: ids.lampV, location_id: MAIN, quantity: 2 },
    ]);
    // A new shopper holds and pays; the order from before the migration and the new one ship.
    const shopper = await shopperWithVariantCart([{ variantId: ids.shirtS, quantity: 2 }]);
    const { checkout } = await startCheckout(shopper, { email: shopper.email });
    expect(await sql`select location_id, quantity from reservations where checkout_id = ${checkout.id}`).toEqual([{ location_id: MAIN, quantity: 2 }]);
    const order = await payInFull({ checkoutId: checkout.id, shopperId: shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "new-after-0009" });
    expect((await fulfilOrder(ids.paidOrder, null)).status).toBe("fulfilled");
    expect((await fulfilOrder(order.id, null, { locationId: MAIN })).status).toBe("fulfilled");
    expect(await sql`select variant_id, on_hand, reserved, allocated from stock_levels where location_id = ${MAIN} order by on_hand`).toEqual([
      { variant_id: ids.shirtS, on_hand: 1, reserved: 0, allocated: 0 },
      { variant_id: ids.shirtM, on_hand: 4, reserved: 0, allocated: 1 },
      { variant_id: ids.lampV, on_hand: 7, reserved: 0, allocated: 2 },
    ]);
    expect(await reconcileStock()).toMatchObject({ ok: true, problems: [] });
  });
});

describe("migration 0010 (indexes for a year of history, built concurrently)", () => {
  let shop: { url: string; sql: postgres.Sql };
  const before: Record<string, number> = {};
  const counted = ["orders", "order_lines", "payments", "reservations", "stock_movements", "email_outbox"];

  beforeAll(async () => {
    // 0000–0009, then a shop with history: 4,000 checkouts, 3,000 orders, 46,000 ledger rows.
    shop = await databaseAt(10);
    await growHistory(shop.sql, growthSize(0.01));
    for (const table of counted) before[table] = (await shop.sql.unsafe(`select count(*)::int as n from ${table}`))[0]!.n as number;
  });

  afterAll(async () => {
    await shop.sql.end();
  });

  it("builds its indexes while the shop keeps writing: a sale goes through while an older write is still open", async () => {
    const [row] = await shop.sql`select product_id, variant_id, location_id from stock_levels limit 1`;
    const stockRow = { product_id: row!.product_id as string, variant_id: row!.variant_id as string, location_id: row!.location_id as string };
    // A write left open before the migration starts: no index build can finish before it ends.
    const older = postgres(shop.url, { max: 1, onnotice: () => {} });
    const newer = postgres(shop.url, { max: 1, onnotice: () => {} });
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const olderWrite = older
      .begin(async (tx) => {
        await tx`insert into stock_movements (product_id, variant_id, location_id, kind, reason) values
                 (${stockRow.product_id}, ${stockRow.variant_id}, ${stockRow.location_id}, 'receive', 'open while migrating')`;
        await held;
        throw new Error("rolled back");
      })
      .catch(() => {});
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const migrating = runMigrations(shop.url, { count: 11 });
      migrating.catch(() => {}); // awaited below; a failure must not go unhandled while this test waits
      // Wait until an index build waits for the older write.
      for (let i = 0; ; i += 1) {
        const [waiting] = await shop.sql`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and query ilike '%create index%'
            and wait_event_type = 'Lock'`;
        if (waiting!.n > 0) break;
        if (i > 300) throw new Error("no index build started");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // Meanwhile the shop writes to the tables being indexed, and is not kept waiting.
      await newer`set lock_timeout = '3s'`;
      await newer.begin(async (tx) => {
        await tx`insert into stock_movements (product_id, variant_id, location_id, kind, reason) values
                 (${stockRow.product_id}, ${stockRow.variant_id}, ${stockRow.location_id}, 'receive', 'written while migrating')`;
        await tx`update orders set email = email where id = (select id from orders limit 1)`;
      });
      release();
      await olderWrite;
      await migrating;
    } finally {
      release();
      await older.end();
      await newer.end();
    }

    const indexes = await shop.sql`select c.relname as name, i.indisvalid as valid from pg_index i join pg_class c on c.oid = i.indexrelid
      where c.relname in ('orders_created_idx', 'stock_movements_order_idx', 'stock_movements_checkout_idx') order by c.relname`;
    expect(indexes).toEqual([
      { name: "orders_created_idx", valid: true },
      { name: "stock_movements_checkout_idx", valid: true },
      { name: "stock_movements_order_idx", valid: true },
    ]);
    expect(await shop.sql`select count(*)::int as n from drizzle.__drizzle_migrations`).toEqual([{ n: 11 }]);
  });

  it("keeps every record", async () => {
    for (const table of counted) {
      const expected = before[table]! + (table === "stock_movements" ? 1 : 0);
      expect((await shop.sql.unsafe(`select count(*)::int as n from ${table}`))[0]!.n, table).toBe(expected);
    }
  });

  it("is applied once: a second start finds it recorded, and an index left invalid by a dead build is made again", async () => {
    await shop.sql`delete from drizzle.__drizzle_migrations where created_at = (select max(created_at) from drizzle.__drizzle_migrations)`;
    // As a build cut off half-way leaves it: present but not valid.
    await shop.sql`update pg_index set indisvalid = false where indexrelid = 'stock_movements_order_idx'::regclass`;
    await runMigrations(shop.url, { count: 11 });
    await runMigrations(shop.url, { count: 11 });
    const [index] = await shop.sql`select i.indisvalid as valid from pg_index i where indexrelid = 'stock_movements_order_idx'::regclass`;
    expect(index).toEqual({ valid: true });
    expect(await shop.sql`select count(*)::int as n from drizzle.__drizzle_migrations`).toEqual([{ n: 11 }]);
  });

  it("reconciles once migrated on to today's schema (which today's reconcile reads)", async () => {
    await runMigrations(shop.url);
    const run = await runReconcileCli(shop.url);
    expect(run.code, run.output).toBe(0);
  });
});

describe("migration 0011 (kits: every existing product a stock product, every line its own)", () => {
  let shop: { url: string; sql: postgres.Sql };
  const ids = { shopper: "", lamp: "", lampV: "", checkout: "", order: "" };

  beforeAll(async () => {
    // 0000–0010: a product with stock, a live hold and a paid order allocated at Main.
    shop = await databaseAt(11);
    const { sql } = shop;
    const [s] = await sql`insert into users (kind) values ('guest') returning id`;
    ids.shopper = s!.id;
    const [lamp] = await sql`insert into products (slug, name, price_cents) values ('kit-era-lamp', 'Lamp', 4000) returning id`;
    ids.lamp = lamp!.id;
    const [lv] = await sql`insert into product_variants (product_id, sku, price_cents) values (${ids.lamp}, 'KIT-ERA-LAMP', 4000) returning id`;
    ids.lampV = lv!.id;
    await sql`insert into stock_levels (variant_id, location_id, product_id, on_hand, reserved, allocated)
      values (${ids.lampV}, ${MAIN}, ${ids.lamp}, 10, 2, 3)`;
    const [cart] = await sql`insert into carts (shopper_id) values (${ids.shopper}) returning id`;
    const [checkout] = await sql`insert into checkouts (cart_id, shopper_id, total_cents, expires_at, hard_expires_at)
      values (${cart!.id}, ${ids.shopper}, 8000, now() + interval '10 minutes', now() + interval '1 hour') returning id`;
    ids.checkout = checkout!.id;
    await sql`insert into reservations (checkout_id, shopper_id, product_id, variant_id, location_id, quantity, unit_price_cents, expires_at)
      values (${ids.checkout}, ${ids.shopper}, ${ids.lamp}, ${ids.lampV}, ${MAIN}, 2, 4000, now() + interval '10 minutes')`;
    const [paid] = await sql`insert into checkouts (cart_id, shopper_id, status, ended_by, total_cents, expires_at, hard_expires_at, ended_at)
      values (${cart!.id}, ${ids.shopper}, 'completed', 'payment', 12000, now(), now(), now()) returning id`;
    const [order] = await sql`insert into orders (checkout_id, shopper_id, total_cents, payment_reference)
      values (${paid!.id}, ${ids.shopper}, 12000, 'ref') returning id`;
    ids.order = order!.id;
    await sql`insert into order_lines (order_id, product_id, variant_id, name, sku, quantity, unit_price_cents)
      values (${ids.order}, ${ids.lamp}, ${ids.lampV}, 'Lamp', 'KIT-ERA-LAMP', 3, 4000)`;
    await sql`insert into order_allocations (order_id, product_id, variant_id, location_id, quantity)
      values (${ids.order}, ${ids.lamp}, ${ids.lampV}, ${MAIN}, 3)`;
    await runMigrations(shop.url);
  });

  afterAll(async () => {
    await shop.sql.end();
  });

  it("makes every product, variant and stock row a stock one, and every hold and allocation its own line", async () => {
    const { sql } = shop;
    expect(await sql`select kind from products where id = ${ids.lamp}`).toEqual([{ kind: "stock" }]);
    expect(await sql`select kind from product_variants where id = ${ids.lampV}`).toEqual([{ kind: "stock" }]);
    expect(await sql`select variant_kind, on_hand, reserved, allocated from stock_levels where variant_id = ${ids.lampV}`).toEqual([
      { variant_kind: "stock", on_hand: 10, reserved: 2, allocated: 3 },
    ]);
    expect(await sql`select kit_variant_id, kit_quantity, quantity from reservations where checkout_id = ${ids.checkout}`).toEqual([
      { kit_variant_id: null, kit_quantity: null, quantity: 2 },
    ]);
    expect(await sql`select kit_variant_id, line_variant_id, quantity from order_allocations where order_id = ${ids.order}`).toEqual([
      { kit_variant_id: null, line_variant_id: ids.lampV, quantity: 3 },
    ]);
  });

  it("still refuses a second hold of the same line at the same stock row, and a kit of this stock product's variant is allowed", async () => {
    const { sql } = shop;
    await expect(
      sql`insert into reservations (checkout_id, shopper_id, product_id, variant_id, location_id, quantity, unit_price_cents, expires_at)
        values (${ids.checkout}, ${ids.shopper}, ${ids.lamp}, ${ids.lampV}, ${MAIN}, 1, 4000, now() + interval '10 minutes')`,
    ).rejects.toMatchObject({ code: "23505", constraint_name: "reservations_one_per_stock_row_per_line" });
    const [kit] = await sql`insert into products (slug, kind, name, price_cents) values ('lamp-pair', 'kit', 'Lamp pair', 7000) returning id`;
    const [kv] = await sql`insert into product_variants (product_id, kind, sku, price_cents) values (${kit!.id}, 'kit', 'LAMP-PAIR', 7000) returning id`;
    await sql`insert into kit_components (kit_variant_id, component_variant_id, component_product_id, quantity)
      values (${kv!.id}, ${ids.lampV}, ${ids.lamp}, 2)`;
    // A variant cannot change kind under its product.
    await expect(sql`update product_variants set kind = 'kit' where id = ${ids.lampV}`).rejects.toMatchObject({ code: "23503" });
  });
});

describe("migration 0012 (pre-orders: nothing on its way, no variant taking pre-orders)", () => {
  let shop: { url: string; sql: postgres.Sql };
  const ids = { lamp: "", lampV: "" };

  beforeAll(async () => {
    // 0000–0011: a product with stock, some of it held and sold, and its ledger.
    shop = await databaseAt(12);
    const { sql } = shop;
    const [lamp] = await sql`insert into products (slug, name, price_cents) values ('preorder-era-lamp', 'Lamp', 4000) returning id`;
    ids.lamp = lamp!.id;
    const [lv] = await sql`insert into product_variants (product_id, sku, price_cents) values (${ids.lamp}, 'PREORDER-ERA-LAMP', 4000) returning id`;
    ids.lampV = lv!.id;
    await sql`insert into stock_levels (variant_id, location_id, product_id, on_hand, reserved, allocated)
      values (${ids.lampV}, ${MAIN}, ${ids.lamp}, 10, 0, 3)`;
    await sql`insert into stock_movements (product_id, variant_id, location_id, kind, on_hand_delta, allocated_delta)
      values (${ids.lamp}, ${ids.lampV}, ${MAIN}, 'receive', 10, 0), (${ids.lamp}, ${ids.lampV}, ${MAIN}, 'allocate', 0, 3)`;
    await runMigrations(shop.url);
  });

  afterAll(async () => {
    await shop.sql.end();
  });

  it("keeps every level, with nothing incoming and no pre-orders, and the ledger's rows with no incoming change", async () => {
    const { sql } = shop;
    expect(await sql`select on_hand, reserved, allocated, incoming, preorder from stock_levels where variant_id = ${ids.lampV}`).toEqual([
      { on_hand: 10, reserved: 0, allocated: 3, incoming: 0, preorder: false },
    ]);
    expect(await sql`select preorder from product_variants where id = ${ids.lampV}`).toEqual([{ preorder: false }]);
    expect(await sql`select kind, incoming_delta, delivery_id from stock_movements where variant_id = ${ids.lampV} order by id`).toEqual([
      { kind: "receive", incoming_delta: 0, delivery_id: null },
      { kind: "allocate", incoming_delta: 0, delivery_id: null },
    ]);
  });

  it("lets units be promised against what is on its way, never past it", async () => {
    const { sql } = shop;
    await sql`update stock_levels set incoming = 4, allocated = 14 where variant_id = ${ids.lampV}`;
    await expect(sql`update stock_levels set allocated = 15 where variant_id = ${ids.lampV}`).rejects.toMatchObject({
      constraint_name: "stock_never_oversold",
    });
    await expect(
      sql`insert into stock_movements (product_id, variant_id, location_id, kind, incoming_delta) values (${ids.lamp}, ${ids.lampV}, ${MAIN}, 'incoming', 4)`,
    ).resolves.toBeDefined();
  });
});

describe("migration 0013 (the line: no one waiting, no product limited)", () => {
  let shop: { url: string; sql: postgres.Sql };
  const ids = { lamp: "", lampV: "", guest: "" };

  beforeAll(async () => {
    // 0000–0012: a product with stock, a shopper, and an email in the outbox.
    shop = await databaseAt(13);
    const { sql } = shop;
    const [lamp] = await sql`insert into products (slug, name, price_cents) values ('line-era-lamp', 'Lamp', 4000) returning id`;
    ids.lamp = lamp!.id;
    const [lv] = await sql`insert into product_variants (product_id, sku, price_cents) values (${ids.lamp}, 'LINE-ERA-LAMP', 4000) returning id`;
    ids.lampV = lv!.id;
    await sql`insert into stock_levels (variant_id, location_id, product_id, on_hand) values (${ids.lampV}, ${MAIN}, ${ids.lamp}, 3)`;
    const [g] = await sql`insert into users (kind) values ('guest') returning id`;
    ids.guest = g!.id;
    await sql`insert into email_outbox (kind, recipient, subject, text_body, html_body, dedupe_key)
      values ('back_in_stock', 'old@shop.test', 'Back', 't', 'h', 'line-era:1')`;
    await runMigrations(shop.url);
  });

  afterAll(async () => {
    await shop.sql.end();
  });

  it("keeps every product unlimited and every email, with an empty line", async () => {
    const { sql } = shop;
    expect(await sql`select limit_per_customer from products where id = ${ids.lamp}`).toEqual([{ limit_per_customer: null }]);
    expect(await sql`select kind from email_outbox where dedupe_key = 'line-era:1'`).toEqual([{ kind: "back_in_stock" }]);
    expect(await sql`select count(*)::int as n from queue_tickets`).toEqual([{ n: 0 }]);
  });

  it("refuses a second waiting ticket per shopper, a ticket line of zero, and a limit below 1", async () => {
    const { sql } = shop;
    const [t] = await sql`insert into queue_tickets (shopper_id) values (${ids.guest}) returning id, seq`;
    await sql`insert into queue_ticket_lines (ticket_id, seq, product_id, variant_id, quantity) values (${t!.id}, ${t!.seq}, ${ids.lamp}, ${ids.lampV}, 1)`;
    await expect(sql`insert into queue_tickets (shopper_id) values (${ids.guest})`).rejects.toMatchObject({
      constraint_name: "queue_tickets_one_waiting_per_shopper",
    });
    await expect(
      sql`insert into queue_ticket_lines (ticket_id, seq, product_id, variant_id, quantity) values (${t!.id}, ${t!.seq}, ${ids.lamp}, ${ids.lampV}, 0)`,
    ).rejects.toMatchObject({ code: "23514" });
    // An offered ticket names when; a left one when it ended.
    await expect(sql`update queue_tickets set status = 'offered' where id = ${t!.id}`).rejects.toMatchObject({ constraint_name: "queue_tickets_times" });
    await expect(sql`update products set limit_per_customer = 0 where id = ${ids.lamp}`).rejects.toMatchObject({
      constraint_name: "products_limit_per_customer_positive",
    });
  });
});

describe("migration 0014 (after the order: refunds, returns, shipments)", () => {
  let shop: { url: string; sql: postgres.Sql };
  const ids = { lamp: "", lampV: "", cancelled: "", open: "" };

  beforeAll(async () => {
    // 0000–0013: two orders of 3 lamps, one shipped 1 then cancelled (its other 2 went back on sale), one open.
    shop = await databaseAt(14);
    const { sql } = shop;
    const [lamp] = await sql`insert into products (slug, name, price_cents) values ('refund-era-lamp', 'Lamp', 4000) returning id`;
    ids.lamp = lamp!.id;
    const [lv] = await sql`insert into product_variants (product_id, sku, price_cents) values (${ids.lamp}, 'REFUND-ERA-LAMP', 4000) returning id`;
    ids.lampV = lv!.id;
    await sql`insert into stock_levels (variant_id, location_id, product_id, on_hand, reserved, allocated)
      values (${ids.lampV}, ${MAIN}, ${ids.lamp}, 9, 0, 3)`;
    for (const [key, status, fulfilled] of [["cancelled", "cancelled", 1], ["open", "paid", 0]] as const) {
      const [g] = await sql`insert into users (kind) values ('guest') returning id`;
      const [cart] = await sql`insert into carts (shopper_id) values (${g!.id}) returning id`;
      const [checkout] = await sql`insert into checkouts (cart_id, shopper_id, status, ended_by, email, total_cents, expires_at, hard_expires_at, ended_at)
        values (${cart!.id}, ${g!.id}, 'completed', 'payment', 'guest@shop.test', 12000, now(), now(), now()) returning id`;
      const [order] = await sql`insert into orders (checkout_id, shopper_id, email, total_cents, payment_reference, status)
        values (${checkout!.id}, ${g!.id}, 'guest@shop.test', 12000, ${`ref_${key}`}, ${status}) returning id`;
      ids[key] = order!.id;
      await sql`insert into order_lines (order_id, product_id, variant_id, name, sku, quantity, unit_price_cents)
        values (${order!.id}, ${ids.lamp}, ${ids.lampV}, 'Lamp', 'REFUND-ERA-LAMP', 3, 4000)`;
      await sql`insert into order_allocations (order_id, product_id, variant_id, location_id, quantity, fulfilled)
        values (${order!.id}, ${ids.lamp}, ${ids.lampV}, ${MAIN}, 3, ${fulfilled})`;
    }
    await runMigrations(shop.url);
  });

  afterAll(async () => {
    await shop.sql.end();
  });

  it("counts a cancelled order's unshipped units as released and leaves open orders' units to ship", async () => {
    const { sql } = shop;
    expect(await sql`select quantity, fulfilled, released from order_allocations where order_id = ${ids.cancelled}`).toEqual([
      { quantity: 3, fulfilled: 1, released: 2 },
    ]);
    expect(await sql`select quantity, fulfilled, released from order_allocations where order_id = ${ids.open}`).toEqual([
      { quantity: 3, fulfilled: 0, released: 0 },
    ]);
    expect(await sql`select refunded, returned from order_lines where order_id = ${ids.open}`).toEqual([{ refunded: 0, returned: 0 }]);
    expect(await sql`select status, refunded_cents::int from orders where id = ${ids.open}`).toEqual([{ status: "paid", refunded_cents: 0 }]);
  });

  it("never lets an order refund more than its total, a line more than it sold, or an allocation release past what is left", async () => {
    const { sql } = shop;
    await expect(sql`update orders set refunded_cents = 12001 where id = ${ids.open}`).rejects.toMatchObject({
      constraint_name: "orders_total_refunded_within",
    });
    await expect(sql`update order_lines set refunded = 4 where order_id = ${ids.open}`).rejects.toMatchObject({
      constraint_name: "order_lines_refunded_range",
    });
    await expect(sql`update order_allocations set released = 3 where order_id = ${ids.cancelled}`).rejects.toMatchObject({
      constraint_name: "order_allocations_fulfilled_range",
    });
    await sql`update orders set status = 'partially_refunded', refunded_cents = 4000 where id = ${ids.open}`;
    await expect(
      sql`insert into stock_movements (product_id, variant_id, location_id, kind, on_hand_delta) values (${ids.lamp}, ${ids.lampV}, ${MAIN}, 'return', 1)`,
    ).resolves.toBeDefined();
  });
});

describe("migration 0015 (the dashboard's indexes for today's checkouts and refunds, built concurrently)", () => {
  let shop: { url: string; sql: postgres.Sql };
  const today = (sql: postgres.Sql) => sql<{ ended: number; paid: number; refunds: number }[]>`
    select (select count(*)::int from checkouts where started_at >= date_trunc('day', now(), 'UTC')
              and status in ('completed', 'cancelled', 'failed', 'expired')) as ended,
           (select count(*)::int from checkouts where started_at >= date_trunc('day', now(), 'UTC') and status = 'completed') as paid,
           (select count(*)::int from refunds where status = 'succeeded' and settled_at >= date_trunc('day', now(), 'UTC')) as refunds`;
  let before: { ended: number; paid: number; refunds: number };

  beforeAll(async () => {
    // 0000–0014, then a shop with history and a refund settled for every paid order.
    shop = await databaseAt(15);
    await growHistory(shop.sql, growthSize(0.005));
    await shop.sql`insert into refunds (order_id, payment_id, request_key, amount_cents, lines, restock, reason, status, settled_at)
      select o.id, p.id, 'old', 1, '[]', false, 'before the dashboard indexes', 'succeeded', o.created_at + interval '1 minute'
      from orders o join payments p on p.order_id = o.id`;
    // Some of them today, whatever the hour.
    await shop.sql`update checkouts set started_at = now() where id in (select id from checkouts order by id limit 40)`;
    await shop.sql`update refunds set settled_at = now() where id in (select id from refunds order by id limit 10)`;
    before = (await today(shop.sql))[0]!;
    await runMigrations(shop.url);
  });

  afterAll(async () => {
    await shop.sql.end();
  });

  it("builds both indexes, valid, and records the migration once", async () => {
    const indexes = await shop.sql`select c.relname as name, i.indisvalid as valid from pg_index i join pg_class c on c.oid = i.indexrelid
      where c.relname in ('checkouts_ended_started_idx', 'refunds_succeeded_settled_idx') order by c.relname`;
    expect(indexes).toEqual([
      { name: "checkouts_ended_started_idx", valid: true },
      { name: "refunds_succeeded_settled_idx", valid: true },
    ]);
    await runMigrations(shop.url);
    expect(await shop.sql`select count(*)::int as n from drizzle.__drizzle_migrations`).toEqual([{ n: 16 }]);
  });

  it("leaves today's figures as they were", async () => {
    expect(before.ended).toBeGreaterThan(0);
    expect(before.refunds).toBeGreaterThan(0);
    expect((await today(shop.sql))[0]).toEqual(before);
  });
});
