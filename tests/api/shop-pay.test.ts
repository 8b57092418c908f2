/** Shopper Store API over real HTTP against the built app: paying, exactly once. */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "@/db/client";
import { appForFile } from "../support/app-for-file";
import { HttpClient } from "../support/http";
import { levels, makeProduct, timeTravelHolds } from "../support/fixtures";
import { CARDS, expectError, pay, shopperWithLines, startedCheckout } from "./shop-support";

const app = appForFile();

async function ordersOf(checkoutId: string): Promise<number> {
  const [row] = await db.execute<{ n: number }>(sql`select count(*)::int as n from orders where checkout_id = ${checkoutId}`);
  return row!.n;
}

describe("POST /api/checkout/{id}/pay", () => {
  it("pays: 200 with the order, the hold becomes allocated stock, the bought lines leave the cart", async () => {
    const product = await makeProduct(5, 1250);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 2 }]);
    const checkout = await startedCheckout(client);
    const paid = await pay(client, checkout.id, "4242 4242 4242 4242");
    expect(paid.status, paid.text).toBe(200);
    expect(paid.body.order).toMatchObject({
      id: expect.any(String),
      status: "paid",
      totalCents: 2500,
      lines: [expect.objectContaining({ productId: product.id, quantity: 2 })],
    });
    expect(await levels(product.id)).toMatchObject({ on_hand: 5, reserved: 0, allocated: 2 });
    expect((await client.get("/api/cart")).body.cart.lines).toEqual([]);
    const read = await client.get(`/api/checkout/${checkout.id}`);
    expect(read.body.checkout).toMatchObject({ status: "completed", orderId: paid.body.order.id });
  });

  it("returns the same order when the same Idempotency-Key is sent again", async () => {
    const product = await makeProduct(5);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const checkout = await startedCheckout(client);
    const key = randomUUID();
    const first = await pay(client, checkout.id, CARDS.pays, key);
    const replay = await pay(client, checkout.id, CARDS.pays, key);
    expect(first.status).toBe(200);
    expect(replay.status).toBe(200);
    expect(replay.body.order.id).toBe(first.body.order.id);
    // A fresh key after success (a refreshed page) shows the same order and charges nothing more.
    const refreshed = await pay(client, checkout.id, CARDS.pays);
    expect(refreshed.body.order.id).toBe(first.body.order.id);
    expect(await ordersOf(checkout.id)).toBe(1);
    expect(await levels(product.id)).toMatchObject({ reserved: 0, allocated: 1 });
  });

  it("makes one order from concurrent submits, with the same key or with different keys", async () => {
    const product = await makeProduct(10);
    const sameKey = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const a = await startedCheckout(sameKey);
    const key = randomUUID();
    const burst = await Promise.all(Array.from({ length: 5 }, () => pay(sameKey, a.id, CARDS.pays, key)));
    expect(burst.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(burst.map((r) => r.body.order.id)).size).toBe(1);
    expect(await ordersOf(a.id)).toBe(1);

    // Different keys at once: one pays; the other is told a payment is in progress, or (if it came after)
    // shown the same order. Never a second payment.
    const newKeys = await shopperWithLines(app, [{ productId: product.id, quantity: 2 }]);
    const b = await startedCheckout(newKeys);
    const clicks = await Promise.all([pay(newKeys, b.id, CARDS.pays), pay(newKeys, b.id, CARDS.pays)]);
    const paid = clicks.filter((r) => r.status === 200);
    expect(paid.length).toBeGreaterThanOrEqual(1);
    for (const other of clicks.filter((r) => r.status !== 200)) expectError(other, 409, "payment_in_progress");
    expect(new Set(paid.map((r) => r.body.order.id)).size).toBe(1);
    expect(await ordersOf(b.id)).toBe(1);
    expect(await levels(product.id)).toMatchObject({ on_hand: 10, reserved: 0, allocated: 3 });
  });

  it.each([
    ["declined", CARDS.declined],
    ["declined for insufficient funds", CARDS.insufficientFunds],
  ])("answers 402 when the card is %s, releasing the hold at once", async (_label, card) => {
    const product = await makeProduct(4);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 3 }]);
    const checkout = await startedCheckout(client);
    expect(await levels(product.id)).toMatchObject({ reserved: 3 });
    const key = randomUUID();
    const declined = await pay(client, checkout.id, card, key);
    expectError(declined, 402, "payment_declined");
    expect(await levels(product.id)).toMatchObject({ on_hand: 4, reserved: 0, allocated: 0 });
    expect((await client.get(`/api/checkout/${checkout.id}`)).body.checkout.status).toBe("failed");
    expect(await ordersOf(checkout.id)).toBe(0);
    // The same attempt again gets the same answer; the cart is kept for another go.
    expectError(await pay(client, checkout.id, card, key), 402, "payment_declined");
    expect((await client.get("/api/cart")).body.cart.lines).toHaveLength(1);
    expect((await client.post("/api/checkout", { email: "retry@example.test" })).status).toBe(201);
  });

  it("answers 400 when the Idempotency-Key header is missing or malformed", async () => {
    const product = await makeProduct(5);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const checkout = await startedCheckout(client);
    expectError(await client.post(`/api/checkout/${checkout.id}/pay`, { cardNumber: CARDS.pays }), 400, "invalid_request");
    expectError(await pay(client, checkout.id, CARDS.pays, "two words"), 400, "invalid_request");
    expectError(await pay(client, checkout.id, CARDS.pays, "x".repeat(256)), 400, "invalid_request");
    expect(await ordersOf(checkout.id)).toBe(0);
    expect(await levels(product.id)).toMatchObject({ reserved: 1 });
  });

  it.each([
    ["letters", "4242abcd42424242"],
    ["too few digits", "42424242424"],
    ["too many digits", "42424242424242424242"],
    ["a number", 4242424242424242],
    ["nothing", undefined],
  ])("answers 400 for a card number with %s", async (_label, cardNumber) => {
    const product = await makeProduct(5);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const checkout = await startedCheckout(client);
    const result = await client.post(`/api/checkout/${checkout.id}/pay`, { cardNumber }, { "Idempotency-Key": randomUUID() });
    expectError(result, 400, "invalid_request");
    expect(await levels(product.id)).toMatchObject({ reserved: 1 });
  });

  it("answers 415 for a body that is not JSON", async () => {
    const product = await makeProduct(5);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const checkout = await startedCheckout(client);
    const result = await client.request("POST", `/api/checkout/${checkout.id}/pay`, {
      body: `cardNumber=${CARDS.pays}`,
      headers: { "content-type": "application/x-www-form-urlencoded", "Idempotency-Key": randomUUID() },
    });
    expectError(result, 415, "unsupported_media_type");
  });

  it("answers 404 for another shopper's checkout and charges nothing", async () => {
    const product = await makeProduct(5);
    const owner = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const checkout = await startedCheckout(owner);
    const other = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    expectError(await pay(other, checkout.id, CARDS.pays), 404, "not_found");
    expectError(await pay(new HttpClient(app.baseUrl), checkout.id, CARDS.pays), 404, "not_found");
    expect(await ordersOf(checkout.id)).toBe(0);
  });

  it("answers 409 insufficient_stock when the hold lapsed and the stock went to someone else; nothing is charged", async () => {
    const product = await makeProduct(2);
    const late = await shopperWithLines(app, [{ productId: product.id, quantity: 2 }]);
    const checkout = await startedCheckout(late);
    await timeTravelHolds(checkout.id);
    const rival = await shopperWithLines(app, [{ productId: product.id, quantity: 2 }]);
    await startedCheckout(rival);

    const result = await pay(late, checkout.id, CARDS.pays);
    expectError(result, 409, "insufficient_stock");
    expect(result.body.error.lines).toEqual([{ productId: product.id, variantId: product.variantId, sku: product.slug.toUpperCase(), requested: 2, available: 0 }]);
    expect(await ordersOf(checkout.id)).toBe(0);
    expect(await levels(product.id)).toMatchObject({ on_hand: 2, reserved: 2, allocated: 0 });
  });

  it("still pays after the hold lapsed when the stock is still there", async () => {
    const product = await makeProduct(3);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const checkout = await startedCheckout(client);
    await timeTravelHolds(checkout.id);
    const paid = await pay(client, checkout.id, CARDS.pays);
    expect(paid.status, paid.text).toBe(200);
    expect(await levels(product.id)).toMatchObject({ reserved: 0, allocated: 1 });
  });

  it("answers 410 for a cancelled checkout", async () => {
    const product = await makeProduct(3);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const checkout = await startedCheckout(client);
    await client.post(`/api/checkout/${checkout.id}/cancel`);
    expectError(await pay(client, checkout.id, CARDS.pays), 410, "checkout_closed");
    expect(await ordersOf(checkout.id)).toBe(0);
  });
});

describe("cancel after payment", () => {
  it("answers 409 and keeps the order", async () => {
    const product = await makeProduct(3);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const checkout = await startedCheckout(client);
    expect((await pay(client, checkout.id, CARDS.pays)).status).toBe(200);
    expectError(await client.post(`/api/checkout/${checkout.id}/cancel`), 409, "checkout_completed");
    expect((await client.get(`/api/checkout/${checkout.id}`)).body.checkout.status).toBe("completed");
    expect(await levels(product.id)).toMatchObject({ reserved: 0, allocated: 1 });
  });
});
