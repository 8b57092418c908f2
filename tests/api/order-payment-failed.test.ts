/**
 * An order whose payment fails after it was placed — a capture that errs, an authorization the provider gives
 * back (Stripe cancels one left uncaptured for 7 days) — is shown to the merchant (`paymentStatus`,
 * `paymentFailed`) and follows a defined path: retry the capture while the provider still holds the
 * authorization (one capture, however often asked), or cancel the order, which puts its units back on sale.
 * Card 4000 0000 0000 0341 authorizes, but its first capture fails.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "@/db/client";
import { appForFile } from "../support/app-for-file";
import { levels, makeProduct } from "../support/fixtures";
import { HttpClient } from "../support/http";
import { until } from "../support/wait";
import { ADMIN_TOKEN_HEADERS } from "./admin-helpers";
import { CARDS, expectError, pay, shopperWithLines, startedCheckout } from "./shop-support";

const CAPTURE_FAILS_ONCE = "4000000000000341";

const app = appForFile({ PAYMENT_TEST_WEBHOOK_DELAY_MS: "200" });

const admin = () => new HttpClient(app.baseUrl);
const adminGet = (path: string) => admin().get(path, ADMIN_TOKEN_HEADERS);
const adminPost = (path: string, body?: unknown) => admin().post(path, body, ADMIN_TOKEN_HEADERS);

interface AdminOrder {
  id: string;
  status: string;
  paymentStatus: string | null;
  paymentFailed: boolean;
  cancelledAt: string | null;
}

const orderOf = async (orderId: string) => (await adminGet(`/api/admin/orders/${orderId}`)).body.order as AdminOrder;

/** What the provider was asked under this order's payment key: every call, with what it answered. */
async function callsFor(orderId: string) {
  return db.execute<{ call: string; outcome: string }>(sql`
    select c.call, c.outcome from test_provider_calls c join payments p on c.idempotency_key = 'stockhold_pay_' || p.id
    where p.order_id = ${orderId} order by c.id`);
}

/** A paid order whose first capture failed: its payment stays authorized, no money taken yet. */
async function orderWithFailedCapture(productId: string, quantity = 1) {
  const client = await shopperWithLines(app, [{ productId, quantity }]);
  const checkout = await startedCheckout(client);
  const paid = await pay(client, checkout.id, CAPTURE_FAILS_ONCE);
  expect(paid.status, paid.text).toBe(200);
  return (paid.body as { order: { id: string } }).order.id;
}

describe("a capture that fails after the order was placed", () => {
  it("the order stands as 'not captured', cannot ship, and the merchant's retry captures it exactly once", async () => {
    const product = await makeProduct(5, 1800);
    const orderId = await orderWithFailedCapture(product.id);

    expect(await orderOf(orderId)).toMatchObject({ status: "paid", paymentStatus: "authorized", paymentFailed: false });
    expectError(await adminPost(`/api/admin/orders/${orderId}/fulfil`), 409, "conflict");
    // Its payment holds money (an authorization): not for the failed-payment cancel.
    expectError(await adminPost(`/api/admin/orders/${orderId}/cancel`, { reason: "no money" }), 409, "payment_not_failed");

    const retries = await Promise.all([adminPost(`/api/admin/orders/${orderId}/retry-capture`), adminPost(`/api/admin/orders/${orderId}/retry-capture`)]);
    expect(retries.map((r) => r.status).sort()).toContain(200);
    await until("the capture", async () => (await orderOf(orderId)).paymentStatus === "captured", 5_000);
    const again = await adminPost(`/api/admin/orders/${orderId}/retry-capture`);
    expect(again.status, again.text).toBe(200);
    expect(again.body).toMatchObject({ order: { paymentStatus: "captured" } });

    const calls = await callsFor(orderId);
    expect(calls.filter((c) => c.call === "capture" && c.outcome === "captured")).toHaveLength(1);
    expect(calls.filter((c) => c.call === "capture" && c.outcome.startsWith("error"))).toHaveLength(1);
    expect((await adminPost(`/api/admin/orders/${orderId}/fulfil`)).status).toBe(200);
  });
});

describe("a payment the provider voided after the order was placed", () => {
  it("shows 'payment failed'; a retry is refused (nothing to capture); cancelling puts the units back on sale", async () => {
    const product = await makeProduct(5, 2400);
    const orderId = await orderWithFailedCapture(product.id, 2);
    expect(await levels(product.id)).toEqual({ on_hand: 5, reserved: 0, allocated: 2 });

    // The provider gives the authorization back and says so by webhook (as Stripe does after 7 days).
    await db.execute(sql`
      update test_provider_payments t set status = 'voided', webhook_due_at = now(), webhook_delivered_at = null
      from payments p where p.order_id = ${orderId} and t.idempotency_key = 'stockhold_pay_' || p.id`);
    await until("the voided payment", async () => (await orderOf(orderId)).paymentStatus === "voided", 10_000);
    expect(await orderOf(orderId)).toMatchObject({ status: "paid", paymentStatus: "voided", paymentFailed: true, cancelledAt: null });
    const listed = await adminGet(`/api/admin/orders?q=${orderId.slice(0, 8)}`);
    expect(listed.body.orders).toEqual([expect.objectContaining({ id: orderId, paymentStatus: "voided" })]);

    const retry = await adminPost(`/api/admin/orders/${orderId}/retry-capture`);
    expectError(retry, 409, "capture_failed");
    expectError(await adminPost(`/api/admin/orders/${orderId}/fulfil`), 409, "conflict");
    expectError(await adminPost(`/api/admin/orders/${orderId}/cancel`, {}), 400, "invalid_request");

    const cancelled = await adminPost(`/api/admin/orders/${orderId}/cancel`, { reason: "payment voided by the bank" });
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body).toMatchObject({ order: { id: orderId, status: "cancelled", cancelledAt: expect.any(String) } });
    expect(await levels(product.id)).toEqual({ on_hand: 5, reserved: 0, allocated: 0 });
    const stock = await adminGet(`/api/admin/stock?q=${encodeURIComponent(product.name)}`);
    expect(stock.body.products).toEqual([expect.objectContaining({ id: product.id, available: 5 })]);
    const ledger = await db.execute<{ kind: string; allocated_delta: number; reason: string }>(sql`
      select kind, allocated_delta, reason from stock_movements where order_id = ${orderId} and kind = 'release'`);
    expect(ledger).toEqual([{ kind: "release", allocated_delta: -2, reason: expect.stringContaining("payment voided by the bank") }]);

    // Cancelling again changes nothing; a cancelled order is not captured or shipped.
    expect((await adminPost(`/api/admin/orders/${orderId}/cancel`, { reason: "again" })).status).toBe(200);
    expect(await levels(product.id)).toEqual({ on_hand: 5, reserved: 0, allocated: 0 });
    expectError(await adminPost(`/api/admin/orders/${orderId}/retry-capture`), 409, "conflict");
    expectError(await adminPost(`/api/admin/orders/${orderId}/fulfil`), 409, "conflict");
  });

  it("an order whose money is in is cancelled with a refund of all of it: 200, its units back on sale", async () => {
    const product = await makeProduct(3, 900);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const checkout = await startedCheckout(client);
    const paid = await pay(client, checkout.id, CARDS.pays, randomUUID());
    const orderId = (paid.body as { order: { id: string } }).order.id;
    expect(await orderOf(orderId)).toMatchObject({ paymentStatus: "captured", paymentFailed: false });
    const cancelled = await adminPost(`/api/admin/orders/${orderId}/cancel`, { reason: "changed my mind" });
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body).toMatchObject({ order: { status: "cancelled", refundedCents: 900 } });
    expect(await levels(product.id)).toEqual({ on_hand: 3, reserved: 0, allocated: 0 });
  });
});
