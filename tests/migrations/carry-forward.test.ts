/**
 * Schema changes carry a shop's existing data forward: a database filled under an older schema is migrated to the
 * current one, and its rows keep their meaning. Each migration that moves data gets a case here.
 */
import crypto from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runMigrations } from "@/db/migrate";

const serverUrl = inject("serverUrl");
const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
const created: string[] = [];

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
