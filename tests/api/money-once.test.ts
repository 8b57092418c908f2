/**
 * Money moves exactly once, over HTTP against the built app: each defect once found in the checkout's life has
 * a test here (double charges through old or cancelled checkouts, a refused restart dropping the live hold,
 * sign-in racing a checkout, paying emptying the cart, a replayed decline answering differently), plus the
 * asynchronous answer (202 while the provider confirms).
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { createAccount } from "@/lib/accounts/shoppers";
import { startApp, type RunningApp } from "../support/app-server";
import { levels, makeProduct, timeTravelHolds } from "../support/fixtures";
import { signIn } from "../support/http";
import { until } from "../support/wait";
import { CARDS, expectError, pay, shopperWithLines, startedCheckout, type CheckoutBody } from "./shop-support";

let app: RunningApp;

beforeAll(async () => {
  app = await startApp({ PAYMENT_RECOVERY_AFTER_SECONDS: "1", PAYMENT_TEST_WEBHOOK_DELAY_MS: "300" });
});

afterAll(async () => {
  await app?.stop();
  await pool.end();
});

const ordersOf = async (checkoutId: string) =>
  (await db.execute<{ n: number }>(sql`select count(*)::int as n from orders where checkout_id = ${checkoutId}`))[0]!.n;

const chargesOf = async (checkoutId: string) =>
  (
    await db.execute<{ n: number }>(sql`
      select count(*)::int as n from test_provider_payments t join payments p on t.idempotency_key = 'stockhold_pay_' || p.id
      where p.checkout_id = ${checkoutId} and t.status in ('authorized', 'captured')`)
  )[0]!.n;

describe("no double charge", () => {
  it("an old tab's lapsed checkout answers 410 once the cart was checked out again and paid", async () => {
    const product = await makeProduct(10, 700);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 2 }]);
    const c1 = await startedCheckout(client);
    await timeTravelHolds(c1.id);
    const c2 = await startedCheckout(client);
    expect((await pay(client, c2.id, CARDS.pays)).status).toBe(200);

    expectError(await pay(client, c1.id, CARDS.pays), 410, "checkout_expired");

    expect(await ordersOf(c1.id)).toBe(0);
    expect(await chargesOf(c1.id)).toBe(0);
    expect(await levels(product.id)).toEqual({ on_hand: 10, reserved: 0, allocated: 2 });
  });

  it("an old tab that held an item since removed is not charged for it", async () => {
    const [kept, removed] = [await makeProduct(5), await makeProduct(5)];
    const client = await shopperWithLines(app, [
      { productId: kept.id, quantity: 1 },
      { productId: removed.id, quantity: 1 },
    ]);
    const c1 = await startedCheckout(client);
    await timeTravelHolds(c1.id);
    expect((await client.put(`/api/cart/lines/${removed.id}`, { quantity: 0 })).status).toBe(200);
    const c2 = await startedCheckout(client);
    expect(c2.lines).toEqual([expect.objectContaining({ productId: kept.id })]);

    expectError(await pay(client, c1.id, CARDS.pays), 410, "checkout_expired");
    expect(await chargesOf(c1.id)).toBe(0);
  });

  it("a lapsed checkout cancelled by the shopper answers cancelled, and paying it is 410", async () => {
    const product = await makeProduct(3);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const checkout = await startedCheckout(client);
    await timeTravelHolds(checkout.id);

    const cancelled = await client.post<{ checkout: CheckoutBody }>(`/api/checkout/${checkout.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.checkout).toMatchObject({ status: "cancelled", endedBy: "shopper" });

    expectError(await pay(client, checkout.id, CARDS.pays), 410, "checkout_closed");
    expect(await chargesOf(checkout.id)).toBe(0);
    expect(await levels(product.id)).toEqual({ on_hand: 3, reserved: 0, allocated: 0 });
  });
});

describe("what the shopper keeps", () => {
  it("a refused restart keeps the live hold: 409 naming the product, the old checkout still active", async () => {
    const [last, soldOut] = [await makeProduct(1), await makeProduct(0)];
    const client = await shopperWithLines(app, [{ productId: last.id, quantity: 1 }]);
    const checkout = await startedCheckout(client);
    expect((await client.post("/api/cart/lines", { productId: soldOut.id, quantity: 1 })).status).toBe(200);

    const refused = await client.post("/api/checkout", { email: "again@example.test" });
    expectError(refused, 409, "insufficient_stock");
    expect(refused.body.error.lines).toEqual([{ productId: soldOut.id, variantId: soldOut.variantId, sku: soldOut.slug.toUpperCase(), requested: 1, available: 0 }]);
    expect(refused.body.error.message).toContain(soldOut.name);

    expect((await client.get(`/api/checkout/${checkout.id}`)).body.checkout.status).toBe("active");
    const rival = await shopperWithLines(app, [{ productId: last.id, quantity: 1 }]);
    expectError(await rival.post("/api/checkout", { email: "rival@example.test" }), 409, "insufficient_stock");
    expect((await pay(client, checkout.id, CARDS.pays)).status).toBe(200);
  });

  it("paying removes from the cart only the quantities bought", async () => {
    const [a, b] = [await makeProduct(10), await makeProduct(10)];
    const client = await shopperWithLines(app, [{ productId: a.id, quantity: 1 }]);
    const checkout = await startedCheckout(client);
    expect((await client.put(`/api/cart/lines/${a.id}`, { quantity: 3 })).status).toBe(200);
    expect((await client.post("/api/cart/lines", { productId: b.id, quantity: 2 })).status).toBe(200);

    const paid = await pay(client, checkout.id, CARDS.pays);
    expect(paid.body.order.lines).toEqual([expect.objectContaining({ productId: a.id, quantity: 1 })]);

    const lines = (await client.get("/api/cart")).body.cart.lines as { productId: string; quantity: number }[];
    expect(lines.map((l) => [l.productId, l.quantity]).sort()).toEqual([[a.id, 2], [b.id, 2]].sort());
  });

  it("a replayed decline answers exactly as the first time", async () => {
    const product = await makeProduct(3);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const checkout = await startedCheckout(client);
    const key = randomUUID();

    const first = await pay(client, checkout.id, CARDS.insufficientFunds, key);
    const replay = await pay(client, checkout.id, CARDS.insufficientFunds, key);

    expectError(first, 402, "payment_declined");
    expect(first.body.error.message).toMatch(/insufficient funds/i);
    expect(replay.status).toBe(402);
    expect(replay.body).toEqual(first.body);
    expect((await client.get(`/api/checkout/${checkout.id}`)).body.checkout).toMatchObject({
      status: "failed",
      endedBy: "payment",
      payment: { status: "declined", declineCode: "insufficient_funds" },
    });
  });
});

describe("signing in while a checkout starts", () => {
  it("never strands a guest checkout: each one is cancelled by the sign-in, or finds the cart already moved", async () => {
    for (let round = 0; round < 5; round += 1) {
      const product = await makeProduct(3);
      const email = `racer-${randomUUID().slice(0, 8)}@example.test`;
      const password = "correct horse battery";
      await createAccount({ email, password });
      const browser = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
      // Two tabs of one browser: one clicks Checkout, the other signs in, at the same moment.
      const [started, signedIn] = await Promise.all([browser.post("/api/checkout", { email }), signIn(browser, { email, password })]);
      expect(signedIn.status).toBe(302);
      expect([201, 400]).toContain(started.status);

      const [live] = await db.execute<{ n: number }>(sql`
        select count(*)::int as n from checkouts c join users u on u.id = c.shopper_id
        where u.kind = 'guest' and c.status in ('active', 'paying')
          and c.id in (select checkout_id from reservations where product_id = ${product.id})`);
      expect(live!.n).toBe(0);
      expect(await levels(product.id)).toEqual({ on_hand: 3, reserved: 0, allocated: 0 });
      // The account has the cart and can hold it.
      const held = await browser.post<{ checkout: CheckoutBody }>("/api/checkout", {});
      expect(held.status, held.text).toBe(201);
      expect(held.body.checkout.lines).toEqual([expect.objectContaining({ productId: product.id, quantity: 1 })]);
    }
  });
});

describe("a provider that answers later", () => {
  it("answers 202 with the checkout paying, keeps the hold, and the provider's webhook turns it into the order", async () => {
    const product = await makeProduct(2, 1500);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const checkout = await startedCheckout(client);

    const answered = await pay(client, checkout.id, CARDS.asyncPays);
    expect(answered.status, answered.text).toBe(202);
    expect(answered.body.checkout).toMatchObject({ id: checkout.id, status: "paying" });
    expect(await levels(product.id)).toEqual({ on_hand: 2, reserved: 1, allocated: 0 });
    expectError(await client.post(`/api/checkout/${checkout.id}/cancel`), 409, "payment_in_progress");

    // The provider's webhook (signed, 300 ms later) settles it: no cron needed.
    await until("the webhook to settle the payment", async () => (await client.get(`/api/checkout/${checkout.id}`)).body.checkout.status !== "paying");
    const read = await client.get(`/api/checkout/${checkout.id}`);
    expect(read.body.checkout).toMatchObject({ status: "completed", orderId: expect.any(String) });
    expect(await levels(product.id)).toEqual({ on_hand: 2, reserved: 0, allocated: 1 });
    expect(await chargesOf(checkout.id)).toBe(1);
  });
});
