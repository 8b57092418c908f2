/** Shopper Store API over real HTTP against the built app: catalogue and cart rows of the contract. */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { appForFile } from "../support/app-for-file";
import { HttpClient } from "../support/http";
import { levels, makeProduct } from "../support/fixtures";
import { expectError, shopperWithLines } from "./shop-support";

const app = appForFile();

describe("GET /api/products and /api/products/{slug}", () => {
  it("lists products with live availability", async () => {
    const product = await makeProduct(7, 1234);
    const client = new HttpClient(app.baseUrl);
    const listed = await client.get("/api/products");
    expect(listed.status).toBe(200);
    expect(listed.body.products).toContainEqual(
      expect.objectContaining({ id: product.id, slug: product.slug, name: product.name, priceCents: 1234, available: 7 }),
    );

    // A hold elsewhere lowers availability at once: nothing is cached.
    const other = await shopperWithLines(app, [{ productId: product.id, quantity: 3 }]);
    expect((await other.post("/api/checkout", { email: "other@example.test" })).status).toBe(201);
    const again = await client.get(`/api/products/${product.slug}`);
    expect(again.status).toBe(200);
    expect(again.body.product).toMatchObject({ id: product.id, slug: product.slug, available: 4 });
  });

  it("answers 404 for an unknown product", async () => {
    const client = new HttpClient(app.baseUrl);
    expectError(await client.get("/api/products/no-such-product"), 404, "not_found");
    expectError(await client.get("/api/products/%00%27%3B--"), 404, "not_found");
  });
});

describe("the cart over the API", () => {
  it("is empty for a visitor with no identity, and reading it makes no identity", async () => {
    const client = new HttpClient(app.baseUrl);
    const cart = await client.get("/api/cart");
    expect(cart.status).toBe(200);
    expect(cart.body.cart).toMatchObject({ lines: [], subtotalCents: 0 });
    expect(cart.headers.getSetCookie()).toEqual([]);
  });

  it("adds to a line on the first write (making a signed, httpOnly guest cookie) and never touches stock", async () => {
    const product = await makeProduct(10, 250);
    const client = new HttpClient(app.baseUrl);
    const added = await client.post("/api/cart/lines", { productId: product.id, quantity: 2 });
    expect(added.status).toBe(200);
    const guestCookie = added.headers.getSetCookie().find((c) => c.startsWith("stockhold_guest="));
    expect(guestCookie).toMatch(/HttpOnly/i);
    expect(guestCookie).toMatch(/SameSite=lax/i);
    expect(added.body.cart).toMatchObject({
      lines: [{ productId: product.id, name: product.name, quantity: 2, unitPriceCents: 250 }],
      subtotalCents: 500,
    });

    const more = await client.post("/api/cart/lines", { productId: product.id, quantity: 3 });
    expect(more.body.cart.lines).toEqual([expect.objectContaining({ productId: product.id, quantity: 5 })]);
    expect(more.body.cart.subtotalCents).toBe(1250);
    expect(await levels(product.id)).toMatchObject({ on_hand: 10, reserved: 0, allocated: 0 });

    const read = await client.get("/api/cart");
    expect(read.body.cart.lines).toEqual([expect.objectContaining({ productId: product.id, quantity: 5 })]);
  });

  it("sets a line with PUT, and 0 removes it", async () => {
    const a = await makeProduct(10, 100);
    const b = await makeProduct(10, 300);
    const client = await shopperWithLines(app, [
      { productId: a.id, quantity: 1 },
      { productId: b.id, quantity: 1 },
    ]);
    const set = await client.put(`/api/cart/lines/${a.id}`, { quantity: 4 });
    expect(set.status).toBe(200);
    expect(set.body.cart.subtotalCents).toBe(700);
    expect(set.body.cart.lines).toContainEqual(expect.objectContaining({ productId: a.id, quantity: 4 }));

    const removed = await client.put(`/api/cart/lines/${a.id}`, { quantity: 0 });
    expect(removed.status).toBe(200);
    expect(removed.body.cart.lines).toEqual([expect.objectContaining({ productId: b.id, quantity: 1 })]);
    expect(removed.body.cart.subtotalCents).toBe(300);
  });

  it("keeps every shopper's cart to themselves", async () => {
    const product = await makeProduct(5);
    const mine = await shopperWithLines(app, [{ productId: product.id, quantity: 2 }]);
    const theirs = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    expect((await mine.get("/api/cart")).body.cart.lines[0].quantity).toBe(2);
    expect((await theirs.get("/api/cart")).body.cart.lines[0].quantity).toBe(1);
  });

  it("ignores a forged guest cookie", async () => {
    const product = await makeProduct(5);
    const victim = await shopperWithLines(app, [{ productId: product.id, quantity: 2 }]);
    const victimId = victim.cookie("stockhold_guest")!.split(".")[0];
    const forger = new HttpClient(app.baseUrl);
    const forged = await forger.request("GET", "/api/cart", {
      headers: { cookie: `stockhold_guest=${victimId}.${"A".repeat(43)}` },
    });
    expect(forged.body.cart.lines).toEqual([]);
  });

  it.each([
    ["zero", 0],
    ["negative", -1],
    ["fractional", 1.5],
    ["text", "two"],
    ["missing", undefined],
    ["over the per-line limit", 51],
  ])("refuses a %s quantity with 400", async (_label, quantity) => {
    const product = await makeProduct(100);
    const client = new HttpClient(app.baseUrl);
    const result = await client.post("/api/cart/lines", { productId: product.id, quantity });
    expectError(result, 400, "invalid_request");
    expect(result.body.error.issues).toEqual(expect.arrayContaining([expect.objectContaining({ path: ["quantity"] })]));
  });

  it("refuses adding past the per-line limit with 400 and leaves the line as it was", async () => {
    const product = await makeProduct(100);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 30 }]);
    expectError(await client.post("/api/cart/lines", { productId: product.id, quantity: 30 }), 400, "quantity_limit");
    expect((await client.get("/api/cart")).body.cart.lines[0].quantity).toBe(30);
  });

  it("refuses a negative or too large PUT quantity with 400", async () => {
    const product = await makeProduct(10);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    expectError(await client.put(`/api/cart/lines/${product.id}`, { quantity: -1 }), 400, "invalid_request");
    expectError(await client.put(`/api/cart/lines/${product.id}`, { quantity: 51 }), 400, "invalid_request");
    expectError(await client.put(`/api/cart/lines/${product.id}`, {}), 400, "invalid_request");
    expect((await client.get("/api/cart")).body.cart.lines[0].quantity).toBe(1);
  });

  it("answers 404 for an unknown product", async () => {
    const client = new HttpClient(app.baseUrl);
    expectError(await client.post("/api/cart/lines", { productId: randomUUID(), quantity: 1 }), 404, "not_found");
    expectError(await client.post("/api/cart/lines", { productId: "not-a-product", quantity: 1 }), 404, "not_found");
    expectError(await client.put(`/api/cart/lines/${randomUUID()}`, { quantity: 1 }), 404, "not_found");
    expectError(await client.put("/api/cart/lines/not-a-product", { quantity: 0 }), 404, "not_found");
  });

  it("answers 400 for a body that is not JSON and 415 for the wrong content type", async () => {
    const product = await makeProduct(10);
    const client = new HttpClient(app.baseUrl);
    expectError(
      await client.request("POST", "/api/cart/lines", { body: "{not json", headers: { "content-type": "application/json" } }),
      400,
      "invalid_request",
    );
    expectError(
      await client.request("POST", "/api/cart/lines", {
        body: `productId=${product.id}&quantity=1`,
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
      415,
      "unsupported_media_type",
    );
    expectError(
      await client.request("PUT", `/api/cart/lines/${product.id}`, {
        body: JSON.stringify({ quantity: 1 }),
        headers: { "content-type": "text/plain" },
      }),
      415,
      "unsupported_media_type",
    );
    expectError(await client.post("/api/cart/lines", ["productId", 1]), 400, "invalid_request");
  });

  it("answers 413 for a body over the size limit", async () => {
    const client = new HttpClient(app.baseUrl);
    const result = await client.post("/api/cart/lines", { productId: "x".repeat(20_000), quantity: 1 });
    expectError(result, 413, "payload_too_large");
  });
});
