/**
 * PATCH /api/admin/products/{id}: edit name, price, description and picture; archive (no longer sold, its stock
 * history kept) and put back on sale. Bad input is a 400, never a 500.
 */
import { describe, expect, it } from "vitest";
import { reconcileStock } from "@/lib/inventory";
import { levels, makeProduct } from "../support/fixtures";
import { adminApiForFile, guestHolding, makeAccount } from "./admin-helpers";
import { HttpClient, signedInClient } from "../support/http";

const { baseUrl, get, request } = adminApiForFile();

const patch = (productId: string, body: unknown) =>
  request("PATCH", `/api/admin/products/${productId}`, {
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });

describe("editing a product", () => {
  it("changes name, price, description and picture, and the shop shows them", async () => {
    const product = await makeProduct(4, 1000);
    const response = await patch(product.id, {
      name: "Kettle, brushed steel",
      priceCents: 2450,
      description: "Boils a litre in three minutes.",
      imageUrl: "https://images.example.test/kettle.jpg",
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body.product).toMatchObject({
      id: product.id,
      slug: product.slug,
      name: "Kettle, brushed steel",
      priceCents: 2450,
      description: "Boils a litre in three minutes.",
      imageUrl: "https://images.example.test/kettle.jpg",
      archived: false,
      available: 4,
    });
    const shop = new HttpClient(baseUrl());
    const page = await shop.get(`/products/${product.slug}`);
    expect(page.text).toContain("Kettle, brushed steel");
    expect(page.text).toContain('src="https://images.example.test/kettle.jpg"');
    expect(page.text).toContain("$24.50");
    expect((await patch(product.id, { imageUrl: null })).body.product.imageUrl).toBeNull();
  });

  it("refuses bad input with 400 and changes nothing", async () => {
    const product = await makeProduct(1, 1000);
    for (const body of [
      {},
      { name: "" },
      { priceCents: -1 },
      { priceCents: 12.5 },
      { priceCents: "1200" },
      { imageUrl: "javascript:alert(1)" },
      { imageUrl: "http://plain-http.example.test/a.jpg" },
      { imageUrl: "//evil.example.test/a.jpg" },
      { slug: "renamed" },
      { archived: "yes" },
    ]) {
      const response = await patch(product.id, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.code).toBe("invalid_request");
    }
    const bad = await request("PATCH", `/api/admin/products/${product.id}`, { body: "{nope", headers: { "content-type": "application/json" } });
    expect(bad.status).toBe(400);
    const stock = await get("/api/admin/stock");
    expect(stock.body.products.find((p: { id: string }) => p.id === product.id)).toMatchObject({ name: product.name });
  });

  it("answers 404 for an unknown product, 401/403 for callers who are not admins", async () => {
    expect((await patch("00000000-0000-4000-8000-000000000000", { name: "x" })).status).toBe(404);
    expect((await patch("not-an-id", { name: "x" })).status).toBe(404);
    const product = await makeProduct(1);
    const anonymous = await new HttpClient(baseUrl()).request("PATCH", `/api/admin/products/${product.id}`, {
      body: JSON.stringify({ name: "Hijacked" }),
      headers: { "content-type": "application/json" },
    });
    expect(anonymous.status).toBe(401);
    const shopper = await signedInClient(baseUrl(), await makeAccount("shopper"));
    const refused = await shopper.request("PATCH", `/api/admin/products/${product.id}`, {
      body: JSON.stringify({ name: "Hijacked" }),
      headers: { "content-type": "application/json" },
    });
    expect(refused.status).toBe(403);
  });
});

describe("archiving a product", () => {
  it("takes it off sale — out of the catalogue, out of carts, not addable — and keeps its stock and ledger", async () => {
    const product = await makeProduct(6);
    await guestHolding(product.id, 2);
    const browsing = new HttpClient(baseUrl());
    expect((await browsing.post("/api/cart/lines", { productId: product.id, quantity: 1 })).status).toBe(200);

    const response = await patch(product.id, { archived: true });
    expect(response.status).toBe(200);
    expect(response.body.product).toMatchObject({ archived: true });

    const catalogue = await browsing.get("/api/products");
    expect(catalogue.body.products.map((p: { id: string }) => p.id)).not.toContain(product.id);
    expect((await browsing.get("/api/cart")).body.cart.lines).toEqual([]);
    const add = await browsing.post("/api/cart/lines", { productId: product.id, quantity: 1 });
    expect(add.status).toBe(404);
    const page = await browsing.get(`/products/${product.slug}`);
    expect(page.text).toContain("no longer sold");

    // Stock, the live hold and the ledger are untouched.
    expect(await levels(product.id)).toMatchObject({ on_hand: 6, reserved: 2 });
    const ledger = await get(`/api/admin/movements?productId=${product.id}`);
    expect(ledger.body.movements.map((m: { kind: string }) => m.kind)).toEqual(["reserve", "receive"]);
    expect((await reconcileStock()).problems).toEqual([]);

    const back = await patch(product.id, { archived: false });
    expect(back.body.product).toMatchObject({ archived: false });
    expect((await browsing.post("/api/cart/lines", { productId: product.id, quantity: 1 })).status).toBe(200);
  });
});
