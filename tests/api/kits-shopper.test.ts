/**
 * What a shopper sees of a kit over HTTP: its availability in the catalogue and on its page (the fewest kits its
 * components allow), what it holds on the cart, checkout and order pages and in the confirmation email
 * ("Contains 2 × Mug, 1 × Tin"), and a refused checkout naming the component that ran out.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "@/db/client";
import { createProduct } from "@/lib/catalog/products";
import { appForFile } from "../support/app-for-file";
import { makeProduct } from "../support/fixtures";
import { HttpClient } from "../support/http";
import { CARDS, expectError, pay, startedCheckout } from "./shop-support";

const app = appForFile();

let kits = 0;
/** A kit of these one-variant products, each with how many one kit takes. */
async function makeKit(components: { variantId: string; quantity: number }[], priceCents = 4000) {
  kits += 1;
  const kit = await createProduct({ name: `Shopper Kit ${kits} ${Math.random().toString(36).slice(2, 7)}`, priceCents, kit: components, actorId: null });
  const [variant] = await db.execute<{ id: string }>(sql`select id from product_variants where product_id = ${kit.id}`);
  return { ...kit, variantId: variant!.id };
}

async function shopperWithKit(variantId: string, quantity = 1) {
  const client = new HttpClient(app.baseUrl);
  const added = await client.post("/api/cart/lines", { variantId, quantity });
  expect(added.status, added.text).toBe(200);
  return client;
}

describe("a kit as shoppers see it", () => {
  it("is as available as its components allow, and its cart, checkout, order and email say what it holds", async () => {
    const mug = await makeProduct(5);
    const tin = await makeProduct(4);
    const kit = await makeKit([
      { variantId: mug.variantId, quantity: 2 },
      { variantId: tin.variantId, quantity: 1 },
    ]);
    const contains = `Contains 2 × ${mug.name}, 1 × ${tin.name}`;

    // 5 mugs make 2 kits, 4 tins 4: 2, on its page and in the catalogue.
    const page = await new HttpClient(app.baseUrl).get(`/api/products/${kit.slug}`);
    expect(page.body.product).toMatchObject({ available: 2, variants: [{ id: kit.variantId, available: 2 }] });
    const listed = await new HttpClient(app.baseUrl).get(`/api/products?q=${encodeURIComponent(kit.name)}`);
    expect(listed.body.products).toEqual([expect.objectContaining({ id: kit.id, available: 2 })]);

    const client = await shopperWithKit(kit.variantId);
    expect((await client.get("/cart")).text).toContain(contains);
    const checkout = await startedCheckout(client);
    expect((await client.get(`/checkout/${checkout.id}`)).text).toContain(contains);
    // One kit held: 3 mugs and 3 tins left, 1 more kit; the held one is a kit others may get back.
    expect((await new HttpClient(app.baseUrl).get(`/api/products/${kit.slug}`)).body.product).toMatchObject({ available: 1, held: 1 });

    const paid = await pay(client, checkout.id, CARDS.pays);
    expect(paid.status, paid.text).toBe(200);
    const orderId: string = paid.body.order.id;
    expect((await client.get(`/orders/${orderId}`)).text).toContain(contains);
    const [email] = await db.execute<{ text_body: string; html_body: string }>(sql`
      select text_body, html_body from email_outbox where kind = 'order_confirmation' and dedupe_key = ${`order:${orderId}`}`);
    expect(email!.text_body).toContain(`1 × ${kit.name} — $40.00\n    ${contains}`);
    expect(email!.html_body).toContain(contains);
  });

  it("a refused checkout names the kit's component that ran out (409 insufficient_stock)", async () => {
    const lamp = await makeProduct(1);
    const shade = await makeProduct(3);
    const kit = await makeKit([
      { variantId: lamp.variantId, quantity: 1 },
      { variantId: shade.variantId, quantity: 1 },
    ]);
    // Someone else holds the only lamp.
    const other = new HttpClient(app.baseUrl);
    expect((await other.post("/api/cart/lines", { productId: lamp.id, quantity: 1 })).status).toBe(200);
    await startedCheckout(other);

    const client = await shopperWithKit(kit.variantId);
    const refused = await client.post("/api/checkout", { email: "kit-shopper@example.test" });
    expectError(refused, 409, "insufficient_stock");
    expect(refused.body.error.message).toContain(`${kit.name}: its ${lamp.name} is sold out`);
    expect(refused.body.error.lines).toEqual([
      expect.objectContaining({ variantId: kit.variantId, requested: 1, available: 0, component: expect.objectContaining({ variantId: lamp.variantId, sku: lamp.slug.toUpperCase(), available: 0 }) }),
    ]);
  });
});
