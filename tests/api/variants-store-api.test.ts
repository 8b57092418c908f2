/**
 * The Store API on a product sold in variants, over real HTTP against the built app: cart lines by variant (and by
 * product for one sold as one variant), checkout and order lines naming the variant, the product's options and
 * variants with their own availability, the catalogue's "from" price, search by SKU, and every bad way of naming
 * a variant refused with the contract's error and nothing written.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "@/db/client";
import { getProductById } from "@/lib/catalog";
import { createProduct, updateVariant } from "@/lib/catalog/products";
import { callAction, serverActions } from "../faults/support";
import { appForFile } from "../support/app-for-file";
import { HttpClient } from "../support/http";
import { makeProduct } from "../support/fixtures";
import { CARDS, expectError, pay, startedCheckout } from "./shop-support";

const app = appForFile();

let shirts = 0;

/** "Trail Shirt" in S (5 at $20), M (1 at $22) and L (4 at $24): each size its own SKU and stock. */
async function trailShirt() {
  shirts += 1;
  const tag = `${shirts}${Math.random().toString(36).slice(2, 6)}`;
  const created = await createProduct({
    name: "Trail Shirt",
    slug: `trail-shirt-${tag}`,
    priceCents: 2000,
    options: [{ name: "Size", values: ["S", "M", "L"] }],
    variants: [
      { sku: `TS-${tag}-S`, options: { Size: "S" }, onHand: 5 },
      { sku: `TS-${tag}-M`, options: { Size: "M" }, priceCents: 2200, onHand: 1 },
      { sku: `TS-${tag}-L`, options: { Size: "L" }, priceCents: 2400, onHand: 4 },
    ],
    actorId: null,
  });
  const product = (await getProductById(created.id))!;
  const bySize = Object.fromEntries(product.variants.map((v) => [v.options.Size!, v]));
  return { ...product, S: bySize.S!, M: bySize.M!, L: bySize.L! };
}

/** A variant's stock row as the engine keeps it. */
async function variantLevels(variantId: string) {
  const [row] = await db.execute<{ on_hand: number; reserved: number; allocated: number }>(sql`
    select on_hand, reserved, allocated from stock_levels where variant_id = ${variantId}`);
  return row!;
}

type Line = { productId: string; variantId: string; sku: string; quantity: number };
const linesOf = (cart: { lines: Line[] }) =>
  cart.lines.map(({ productId, variantId, sku, quantity }) => ({ productId, variantId, sku, quantity }));

describe("cart lines by variant", () => {
  it("adds a size by variantId; a product sold in several needs one (400 variant_required); one sold as one variant still goes by productId", async () => {
    const shirt = await trailShirt();
    const mug = await makeProduct(5, 900);
    const client = new HttpClient(app.baseUrl);

    const added = await client.post("/api/cart/lines", { variantId: shirt.M.id, quantity: 1 });
    expect(added.status, added.text).toBe(200);
    expect(added.body.cart.lines).toEqual([
      expect.objectContaining({
        productId: shirt.id,
        variantId: shirt.M.id,
        sku: shirt.M.sku,
        options: { Size: "M" },
        name: "Trail Shirt",
        quantity: 1,
        unitPriceCents: 2200,
        available: 1,
      }),
    ]);

    expectError(await client.post("/api/cart/lines", { productId: shirt.id, quantity: 1 }), 400, "variant_required");

    const mugAdded = await client.post("/api/cart/lines", { productId: mug.id, quantity: 2 });
    expect(mugAdded.status, mugAdded.text).toBe(200);
    // Both given and agreeing is fine too.
    const both = await client.post("/api/cart/lines", { productId: shirt.id, variantId: shirt.S.id, quantity: 1 });
    expect(both.status, both.text).toBe(200);

    const cart = await client.get("/api/cart");
    expect(linesOf(cart.body.cart)).toEqual([
      { productId: shirt.id, variantId: shirt.M.id, sku: shirt.M.sku, quantity: 1 },
      { productId: mug.id, variantId: mug.variantId, sku: mug.slug.toUpperCase(), quantity: 2 },
      { productId: shirt.id, variantId: shirt.S.id, sku: shirt.S.sku, quantity: 1 },
    ]);
    expect(cart.body.cart.subtotalCents).toBe(2200 + 1800 + 2000);
  });

  it("PUT /api/cart/lines/{variantId} sets a variant's line; a one-variant product's id also names its line", async () => {
    const shirt = await trailShirt();
    const mug = await makeProduct(5, 900);
    const client = new HttpClient(app.baseUrl);
    expect((await client.post("/api/cart/lines", { variantId: shirt.S.id, quantity: 1 })).status).toBe(200);
    expect((await client.post("/api/cart/lines", { variantId: shirt.L.id, quantity: 1 })).status).toBe(200);

    const set = await client.put(`/api/cart/lines/${shirt.L.id}`, { quantity: 3 });
    expect(set.status, set.text).toBe(200);
    expect(linesOf(set.body.cart)).toEqual([
      { productId: shirt.id, variantId: shirt.S.id, sku: shirt.S.sku, quantity: 1 },
      { productId: shirt.id, variantId: shirt.L.id, sku: shirt.L.sku, quantity: 3 },
    ]);

    // A variant not yet in the cart gets a line; by the product's id for one sold as one variant.
    const mugSet = await client.put(`/api/cart/lines/${mug.id}`, { quantity: 2 });
    expect(mugSet.status, mugSet.text).toBe(200);
    expect(linesOf(mugSet.body.cart)).toContainEqual({ productId: mug.id, variantId: mug.variantId, sku: mug.slug.toUpperCase(), quantity: 2 });
    const mugByVariant = await client.put(`/api/cart/lines/${mug.variantId}`, { quantity: 4 });
    expect(linesOf(mugByVariant.body.cart)).toContainEqual({ productId: mug.id, variantId: mug.variantId, sku: mug.slug.toUpperCase(), quantity: 4 });

    // The shirt's product id names no one line.
    expectError(await client.put(`/api/cart/lines/${shirt.id}`, { quantity: 2 }), 400, "variant_required");

    const removed = await client.put(`/api/cart/lines/${shirt.S.id}`, { quantity: 0 });
    expect(linesOf(removed.body.cart)).toEqual([
      { productId: shirt.id, variantId: shirt.L.id, sku: shirt.L.sku, quantity: 3 },
      { productId: mug.id, variantId: mug.variantId, sku: mug.slug.toUpperCase(), quantity: 4 },
    ]);
  });
});

describe("the cart's form actions", () => {
  it("add a variant named by a variantId field beside productId, and set its line by variantId", async () => {
    const shirt = await trailShirt();
    const actions = serverActions();
    const add = actions.get("app/cart/actions.ts#addToCartAction")!;
    const setLine = actions.get("app/cart/actions.ts#setCartLineAction")!;
    const client = new HttpClient(app.baseUrl);

    const added = await callAction(client, `/products/${shirt.slug}`, add, { productId: shirt.id, variantId: shirt.M.id, quantity: "1" });
    expect(added.state, added.text.slice(0, 300)).toMatchObject({ ok: true, message: "Added. You have 1 of Trail Shirt — M in your cart." });
    // Without a variant the form gets the refusal as a message, and nothing is added.
    const ambiguous = await callAction(client, `/products/${shirt.slug}`, add, { productId: shirt.id, variantId: "", quantity: "1" });
    expect(ambiguous.state).toMatchObject({ ok: false, code: "variant_required" });

    const set = await callAction(client, "/cart", setLine, { productId: shirt.id, variantId: shirt.S.id, quantity: "2" });
    expect(set.state, set.text.slice(0, 300)).toMatchObject({ ok: true });
    expect(linesOf((await client.get("/api/cart")).body.cart)).toEqual([
      { productId: shirt.id, variantId: shirt.M.id, sku: shirt.M.sku, quantity: 1 },
      { productId: shirt.id, variantId: shirt.S.id, sku: shirt.S.sku, quantity: 2 },
    ]);
  });
});

describe("checkout and orders by variant", () => {
  it("holds two sizes of one product as two lines, and the order names each variant", async () => {
    const shirt = await trailShirt();
    const client = new HttpClient(app.baseUrl);
    expect((await client.post("/api/cart/lines", { variantId: shirt.S.id, quantity: 2 })).status).toBe(200);
    expect((await client.post("/api/cart/lines", { variantId: shirt.M.id, quantity: 1 })).status).toBe(200);

    const checkout = await startedCheckout(client);
    const expected = [
      { productId: shirt.id, variantId: shirt.S.id, sku: shirt.S.sku, quantity: 2, options: { Size: "S" }, unitPriceCents: 2000 },
      { productId: shirt.id, variantId: shirt.M.id, sku: shirt.M.sku, quantity: 1, options: { Size: "M" }, unitPriceCents: 2200 },
    ].map((line) => expect.objectContaining(line));
    expect(checkout.lines).toEqual(expect.arrayContaining(expected));
    expect(checkout.lines).toHaveLength(2);
    expect(checkout.totalCents).toBe(6200);
    expect(await variantLevels(shirt.S.id)).toMatchObject({ on_hand: 5, reserved: 2 });
    expect(await variantLevels(shirt.M.id)).toMatchObject({ on_hand: 1, reserved: 1 });
    expect(await variantLevels(shirt.L.id)).toMatchObject({ on_hand: 4, reserved: 0 });

    const read = await client.get(`/api/checkout/${checkout.id}`);
    expect(read.body.checkout.lines).toEqual(expect.arrayContaining(expected));

    const paid = await pay(client, checkout.id, CARDS.pays);
    expect(paid.status, paid.text).toBe(200);
    expect(paid.body.order.lines).toHaveLength(2);
    expect(paid.body.order.lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ productId: shirt.id, variantId: shirt.S.id, sku: shirt.S.sku, quantity: 2 }),
        expect.objectContaining({ productId: shirt.id, variantId: shirt.M.id, sku: shirt.M.sku, quantity: 1 }),
      ]),
    );
    expect(await variantLevels(shirt.M.id)).toMatchObject({ on_hand: 1, reserved: 0, allocated: 1 });
  });

  it("refuses a short size by name, variantId and sku, and holds nothing; another size still sells", async () => {
    const shirt = await trailShirt();
    const client = new HttpClient(app.baseUrl);
    expect((await client.post("/api/cart/lines", { variantId: shirt.M.id, quantity: 2 })).status).toBe(200);
    expect((await client.post("/api/cart/lines", { variantId: shirt.L.id, quantity: 1 })).status).toBe(200);

    const refused = await client.post("/api/checkout", { email: "short@example.test" });
    expectError(refused, 409, "insufficient_stock");
    expect(refused.body.error.message).toContain("Trail Shirt — M: only 1 left (you asked for 2)");
    expect(refused.body.error.lines).toEqual([{ productId: shirt.id, variantId: shirt.M.id, sku: shirt.M.sku, requested: 2, available: 1 }]);
    expect(await variantLevels(shirt.M.id)).toMatchObject({ reserved: 0 });
    expect(await variantLevels(shirt.L.id)).toMatchObject({ reserved: 0 });

    // M being short stops no one buying L.
    const other = new HttpClient(app.baseUrl);
    expect((await other.post("/api/cart/lines", { variantId: shirt.L.id, quantity: 4 })).status).toBe(200);
    await startedCheckout(other);
    expect(await variantLevels(shirt.L.id)).toMatchObject({ on_hand: 4, reserved: 4 });
  });
});

describe("the product and the catalogue", () => {
  it("GET /api/products/{slug} gives the options and each variant's own availability, holds and release time", async () => {
    const shirt = await trailShirt();
    const holder = new HttpClient(app.baseUrl);
    expect((await holder.post("/api/cart/lines", { variantId: shirt.M.id, quantity: 1 })).status).toBe(200);
    expect((await holder.post("/api/cart/lines", { variantId: shirt.S.id, quantity: 2 })).status).toBe(200);
    await startedCheckout(holder);

    const viewer = new HttpClient(app.baseUrl);
    const answer = await viewer.get(`/api/products/${shirt.slug}`);
    expect(answer.status, answer.text).toBe(200);
    const { product } = answer.body;
    expect(product).toMatchObject({ id: shirt.id, name: "Trail Shirt", priceCents: 2000, available: 3 + 0 + 4, held: 3 });
    expect(product.nextReleaseAt).toEqual(expect.any(String));
    expect(product.options).toEqual([{ name: "Size", values: ["S", "M", "L"] }]);
    expect(product.variants).toEqual([
      { id: shirt.S.id, sku: shirt.S.sku, options: { Size: "S" }, priceCents: 2000, available: 3, held: 2, nextReleaseAt: expect.any(String), preorder: null, demand: { checkingOut: 1, waiting: 0 } },
      { id: shirt.M.id, sku: shirt.M.sku, options: { Size: "M" }, priceCents: 2200, available: 0, held: 1, nextReleaseAt: expect.any(String), preorder: null, demand: { checkingOut: 1, waiting: 0 } },
      { id: shirt.L.id, sku: shirt.L.sku, options: { Size: "L" }, priceCents: 2400, available: 4, held: 0, nextReleaseAt: null, preorder: null, demand: { checkingOut: 0, waiting: 0 } },
    ]);

    // The holder's own hold is theirs.
    const own = await holder.get(`/api/products/${shirt.slug}`);
    expect(own.body.product.variants.map((v: { available: number; held: number }) => [v.available, v.held])).toEqual([
      [5, 0],
      [1, 0],
      [4, 0],
    ]);

    // A retired size is no longer offered, and its stock is no longer counted as for sale.
    await updateVariant(shirt.id, shirt.L.id, { retired: true });
    const after = await viewer.get(`/api/products/${shirt.slug}`);
    expect(after.body.product.variants.map((v: { id: string }) => v.id)).toEqual([shirt.S.id, shirt.M.id]);
    expect(after.body.product).toMatchObject({ available: 3, held: 3 });
  });

  it("lists each product with its lowest and highest price, variant count and option names", async () => {
    const shirt = await trailShirt();
    const mug = await makeProduct(3, 900);
    const client = new HttpClient(app.baseUrl);
    const listed = await client.get("/api/products?limit=100");
    expect(listed.status, listed.text).toBe(200);
    const item = (id: string) => listed.body.products.find((p: { id: string }) => p.id === id);
    expect(item(shirt.id)).toEqual({
      id: shirt.id,
      slug: shirt.slug,
      name: "Trail Shirt",
      description: "",
      imageUrl: null,
      archived: false,
      priceCents: 2000,
      priceFromCents: 2000,
      maxPriceCents: 2400,
      variantCount: 3,
      optionNames: ["Size"],
      available: 10,
      held: 0,
      nextReleaseAt: null,
    });
    expect(item(mug.id)).toMatchObject({ priceCents: 900, priceFromCents: 900, maxPriceCents: 900, variantCount: 1, optionNames: [], available: 3 });

    // Sorting by price goes by the lowest.
    const cheapest = await client.get("/api/products?sort=price_asc&limit=100");
    const order = cheapest.body.products.map((p: { id: string }) => p.id);
    expect(order.indexOf(mug.id)).toBeLessThan(order.indexOf(shirt.id));

    // A retired size leaves the count, the range and the availability.
    await updateVariant(shirt.id, shirt.L.id, { retired: true });
    const after = await client.get(`/api/products?q=${encodeURIComponent(shirt.S.sku)}`);
    expect(after.body.products[0]).toMatchObject({ id: shirt.id, priceFromCents: 2000, maxPriceCents: 2200, variantCount: 2, available: 6 });
  });

  it("search finds a product by a variant's SKU exactly, in any case, first; words still search as before", async () => {
    const shirt = await trailShirt();
    const namesake = await createProduct({ name: `Shirt ${shirt.M.sku}`, priceCents: 100, onHand: 1, actorId: null });
    const client = new HttpClient(app.baseUrl);

    for (const q of [shirt.M.sku, shirt.M.sku.toLowerCase(), ` ${shirt.L.sku} `]) {
      const found = await client.get(`/api/products?q=${encodeURIComponent(q)}`);
      expect(found.status, found.text).toBe(200);
      expect(found.body.products[0]?.id, q).toBe(shirt.id);
    }
    // The product whose words match the SKU's words is found too, after the SKU's own.
    const both = await client.get(`/api/products?q=${encodeURIComponent(shirt.M.sku)}`);
    expect(both.body.products.map((p: { id: string }) => p.id)).toEqual([shirt.id, namesake.id]);

    // Pages of one result each walk the same order, forwards and back.
    const first = await client.get(`/api/products?q=${encodeURIComponent(shirt.M.sku)}&limit=1`);
    expect(first.body.products.map((p: { id: string }) => p.id)).toEqual([shirt.id]);
    const second = await client.get(`/api/products?q=${encodeURIComponent(shirt.M.sku)}&limit=1&cursor=${first.body.nextCursor}`);
    expect(second.status, second.text).toBe(200);
    expect(second.body.products.map((p: { id: string }) => p.id)).toEqual([namesake.id]);
    expect(second.body.nextCursor).toBeNull();
    const back = await client.get(`/api/products?q=${encodeURIComponent(shirt.M.sku)}&limit=1&cursor=${second.body.prevCursor}`);
    expect(back.body.products.map((p: { id: string }) => p.id)).toEqual([shirt.id]);

    // Not a prefix or part of a SKU.
    const partial = await client.get(`/api/products?q=${encodeURIComponent(shirt.M.sku.slice(0, -1) + "X")}`);
    expect(partial.body.products.map((p: { id: string }) => p.id)).not.toContain(shirt.id);

    const words = await client.get("/api/products?q=trail");
    expect(words.body.products.map((p: { id: string }) => p.id)).toContain(shirt.id);
  });
});

describe("bad ways of naming a variant", () => {
  it("an unknown variant, a variant of another product, a retired variant or no variant at all: 4xx and nothing written", async () => {
    const shirt = await trailShirt();
    const other = await trailShirt();
    const mug = await makeProduct(5);
    await updateVariant(shirt.id, shirt.L.id, { retired: true });
    const client = new HttpClient(app.baseUrl);
    expect((await client.post("/api/cart/lines", { variantId: shirt.S.id, quantity: 1 })).status).toBe(200);
    const before = (await client.get("/api/cart")).body.cart;

    const refusals: [unknown, number, string][] = [
      [{ variantId: randomUUID(), quantity: 1 }, 404, "not_found"],
      [{ variantId: "not-a-variant", quantity: 1 }, 404, "not_found"],
      [{ productId: shirt.id, variantId: other.M.id, quantity: 1 }, 404, "not_found"],
      [{ productId: mug.id, variantId: shirt.M.id, quantity: 1 }, 404, "not_found"],
      [{ productId: randomUUID(), variantId: shirt.M.id, quantity: 1 }, 404, "not_found"],
      [{ variantId: shirt.L.id, quantity: 1 }, 404, "not_found"],
      [{ productId: shirt.id, variantId: shirt.L.id, quantity: 1 }, 404, "not_found"],
      // Option values are not a way of naming a variant: the product alone is still ambiguous.
      [{ productId: shirt.id, options: { Size: "XL" }, quantity: 1 }, 400, "variant_required"],
      [{ quantity: 1 }, 400, "invalid_request"],
      [{ variantId: 42, quantity: 1 }, 400, "invalid_request"],
      [{ variantId: "", quantity: 1 }, 400, "invalid_request"],
      [{ variantId: shirt.M.id, quantity: "1" }, 400, "invalid_request"],
      [{ variantId: shirt.M.id, quantity: 0 }, 400, "invalid_request"],
    ];
    for (const [body, status, code] of refusals) {
      const answer = await client.post("/api/cart/lines", body);
      expectError(answer, status, code);
    }
    expectError(await client.put(`/api/cart/lines/${randomUUID()}`, { quantity: 1 }), 404, "not_found");
    expectError(await client.put(`/api/cart/lines/${shirt.L.id}`, { quantity: 1 }), 404, "not_found");
    expectError(await client.put("/api/cart/lines/not-a-variant", { quantity: 1 }), 404, "not_found");

    expect((await client.get("/api/cart")).body.cart).toEqual(before);
    expect(await variantLevels(shirt.L.id)).toMatchObject({ on_hand: 4, reserved: 0 });
  });

  it("a size retired while in a cart leaves the cart; the other sizes stay", async () => {
    const shirt = await trailShirt();
    const client = new HttpClient(app.baseUrl);
    expect((await client.post("/api/cart/lines", { variantId: shirt.S.id, quantity: 1 })).status).toBe(200);
    expect((await client.post("/api/cart/lines", { variantId: shirt.L.id, quantity: 1 })).status).toBe(200);
    await updateVariant(shirt.id, shirt.L.id, { retired: true });
    const cart = await client.get("/api/cart");
    expect(linesOf(cart.body.cart)).toEqual([{ productId: shirt.id, variantId: shirt.S.id, sku: shirt.S.sku, quantity: 1 }]);
  });
});
