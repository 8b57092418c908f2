/** Shopper Store API over real HTTP against the built app: starting, reading, extending and cancelling checkout. */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { appForFile } from "../support/app-for-file";
import { HttpClient } from "../support/http";
import { levels, makeProduct, timeTravelHolds } from "../support/fixtures";
import { expectError, shopperWithLines, startedCheckout, type CheckoutBody } from "./shop-support";

const app = appForFile();

describe("POST /api/checkout", () => {
  it("holds the cart: 201 with a new checkout, then 200 with the same one (no second hold)", async () => {
    const product = await makeProduct(5, 700);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 2 }]);
    const first = await client.post<{ checkout: CheckoutBody }>("/api/checkout", { email: "Shopper@Example.test" });
    expect(first.status, first.text).toBe(201);
    const checkout = first.body.checkout;
    expect(checkout).toMatchObject({
      status: "active",
      lines: [expect.objectContaining({ productId: product.id, quantity: 2 })],
      totalCents: 1400,
    });
    const ttl = Date.parse(checkout.expiresAt) - Date.parse(checkout.serverTime);
    expect(ttl).toBeGreaterThan(890_000);
    expect(ttl).toBeLessThanOrEqual(900_000);
    expect(await levels(product.id)).toMatchObject({ on_hand: 5, reserved: 2 });

    const second = await client.post<{ checkout: CheckoutBody }>("/api/checkout", { email: "shopper@example.test" });
    expect(second.status).toBe(200);
    expect(second.body.checkout.id).toBe(checkout.id);
    expect(await levels(product.id)).toMatchObject({ on_hand: 5, reserved: 2 });
  });

  it("answers 400 for an empty cart, with or without an identity", async () => {
    const stranger = new HttpClient(app.baseUrl);
    expectError(await stranger.post("/api/checkout", { email: "a@example.test" }), 400, "empty_cart");

    const product = await makeProduct(5);
    const emptied = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    await emptied.put(`/api/cart/lines/${product.id}`, { quantity: 0 });
    expectError(await emptied.post("/api/checkout", { email: "a@example.test" }), 400, "empty_cart");
  });

  it("asks a guest for an email: 400 when missing or not an email", async () => {
    const product = await makeProduct(5);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const missing = await client.post("/api/checkout", {});
    expectError(missing, 400, "invalid_request");
    expect(missing.body.error.issues).toEqual([expect.objectContaining({ path: ["email"] })]);
    expectError(await client.post("/api/checkout", { email: "not an email" }), 400, "invalid_request");
    expect(await levels(product.id)).toMatchObject({ reserved: 0 });
  });

  it("answers 409 insufficient_stock naming each short line, and holds nothing", async () => {
    const plenty = await makeProduct(10);
    const scarce = await makeProduct(3);
    const rival = await shopperWithLines(app, [{ productId: scarce.id, quantity: 2 }]);
    await startedCheckout(rival);

    const client = await shopperWithLines(app, [
      { productId: plenty.id, quantity: 4 },
      { productId: scarce.id, quantity: 2 },
    ]);
    const result = await client.post("/api/checkout", { email: "late@example.test" });
    expectError(result, 409, "insufficient_stock");
    expect(result.body.error.lines).toEqual([{ productId: scarce.id, variantId: scarce.variantId, sku: scarce.slug.toUpperCase(), requested: 2, available: 1 }]);
    expect(await levels(plenty.id)).toMatchObject({ reserved: 0 });
    expect(await levels(scarce.id)).toMatchObject({ reserved: 2 });
  });

  it("answers 400 for a bad body and 415 for the wrong content type", async () => {
    const product = await makeProduct(5);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    expectError(
      await client.request("POST", "/api/checkout", { body: "{", headers: { "content-type": "application/json" } }),
      400,
      "invalid_request",
    );
    expectError(
      await client.request("POST", "/api/checkout", { body: "email=a@example.test", headers: { "content-type": "text/plain" } }),
      415,
      "unsupported_media_type",
    );
  });
});

describe("GET /api/checkout/{id}", () => {
  it("shows the shopper their checkout with expiresAt and serverTime from the database clock", async () => {
    const product = await makeProduct(5, 500);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const started = await startedCheckout(client);
    const read = await client.get<{ checkout: CheckoutBody }>(`/api/checkout/${started.id}`);
    expect(read.status).toBe(200);
    expect(read.body.checkout).toMatchObject({ id: started.id, status: "active", totalCents: 500, expiresAt: started.expiresAt });
    expect(Date.parse(read.body.checkout.serverTime)).toBeGreaterThanOrEqual(Date.parse(started.serverTime));
    expect(read.headers.get("cache-control")).toMatch(/no-store/);
  });

  it("answers 404 for another shopper's checkout, for no identity, and for ids that name nothing", async () => {
    const product = await makeProduct(5);
    const owner = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const checkout = await startedCheckout(owner);
    const other = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    expectError(await other.get(`/api/checkout/${checkout.id}`), 404, "not_found");
    expectError(await new HttpClient(app.baseUrl).get(`/api/checkout/${checkout.id}`), 404, "not_found");
    expectError(await owner.get(`/api/checkout/${randomUUID()}`), 404, "not_found");
    expectError(await owner.get("/api/checkout/not-a-checkout"), 404, "not_found");
  });
});

describe("POST /api/checkout/{id}/activity", () => {
  it("slides the expiry out and keeps the details typed so far", async () => {
    const product = await makeProduct(5);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const checkout = await startedCheckout(client);
    // Bring the hold to 10 minutes from expiry, so that an extension is visible.
    await timeTravelHolds(checkout.id, -600);
    const before = (await client.get<{ checkout: CheckoutBody }>(`/api/checkout/${checkout.id}`)).body.checkout;
    expect(Date.parse(before.expiresAt) - Date.parse(before.serverTime)).toBeLessThan(610_000);

    const active = await client.post<{ checkout: CheckoutBody & { details: Record<string, string> } }>(
      `/api/checkout/${checkout.id}/activity`,
      { name: "Ada Lovelace", address: "12 Analytical Row" },
    );
    expect(active.status, active.text).toBe(200);
    // Slid to a full 15 minutes from now, and no further: the slide is measured from the activity, not added.
    const left = Date.parse(active.body.checkout.expiresAt) - Date.parse(active.body.checkout.serverTime);
    expect(left).toBeGreaterThan(900_000 - 2_000);
    expect(left).toBeLessThanOrEqual(900_000);
    expect(active.body.checkout.details).toMatchObject({ name: "Ada Lovelace", address: "12 Analytical Row" });

    const empty = await client.post<{ checkout: CheckoutBody }>(`/api/checkout/${checkout.id}/activity`, {});
    expect(empty.status).toBe(200);
    const leftAgain = Date.parse(empty.body.checkout.expiresAt) - Date.parse(empty.body.checkout.serverTime);
    expect(leftAgain).toBeGreaterThan(900_000 - 2_000);
    expect(leftAgain).toBeLessThanOrEqual(900_000);
  });

  it("answers 410 once the hold has lapsed, and releases it", async () => {
    const product = await makeProduct(5);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 2 }]);
    const checkout = await startedCheckout(client);
    await timeTravelHolds(checkout.id);
    expectError(await client.post(`/api/checkout/${checkout.id}/activity`, {}), 410, "checkout_expired");
    expect(await levels(product.id)).toMatchObject({ reserved: 0 });
    const read = await client.get(`/api/checkout/${checkout.id}`);
    expect(read.body.checkout.status).toBe("expired");
  });

  it("answers 404 for another shopper's checkout and 400 for bad details", async () => {
    const product = await makeProduct(5);
    const owner = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const checkout = await startedCheckout(owner);
    const other = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    expectError(await other.post(`/api/checkout/${checkout.id}/activity`, {}), 404, "not_found");
    expectError(await owner.post(`/api/checkout/${checkout.id}/activity`, { email: "nope" }), 400, "invalid_request");
    expectError(await owner.post(`/api/checkout/${checkout.id}/activity`, { name: "x\u0000y" }), 400, "invalid_request");
    expectError(await owner.post(`/api/checkout/${checkout.id}/activity`, { address: "x".repeat(501) }), 400, "invalid_request");
  });
});

describe("POST /api/checkout/{id}/cancel", () => {
  it("cancels and releases the hold at once; the cart stays", async () => {
    const product = await makeProduct(5);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 3 }]);
    const checkout = await startedCheckout(client);
    expect(await levels(product.id)).toMatchObject({ reserved: 3 });
    const cancelled = await client.post(`/api/checkout/${checkout.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.checkout).toMatchObject({ id: checkout.id, status: "cancelled" });
    expect(await levels(product.id)).toMatchObject({ reserved: 0 });
    expect((await client.get("/api/cart")).body.cart.lines).toEqual([expect.objectContaining({ quantity: 3 })]);

    // Cancelling again changes nothing; starting again makes a new checkout.
    expect((await client.post(`/api/checkout/${checkout.id}/cancel`)).status).toBe(200);
    const again = await client.post("/api/checkout", { email: "again@example.test" });
    expect(again.status).toBe(201);
    expect(again.body.checkout.id).not.toBe(checkout.id);
  });

  it("answers 404 for another shopper's checkout, leaving it held", async () => {
    const product = await makeProduct(5);
    const owner = await shopperWithLines(app, [{ productId: product.id, quantity: 2 }]);
    const checkout = await startedCheckout(owner);
    const other = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    expectError(await other.post(`/api/checkout/${checkout.id}/cancel`), 404, "not_found");
    expectError(await new HttpClient(app.baseUrl).post(`/api/checkout/${checkout.id}/cancel`), 404, "not_found");
    expect(await levels(product.id)).toMatchObject({ reserved: 2 });
  });
});
