/**
 * 3-D Secure with Stripe, over HTTP against the built app and the local Stripe stand-in: a PaymentIntent that
 * answers `requires_action` keeps the checkout `paying` and the pay answer carries its client secret
 * (`nextAction`); once the bank has answered in the browser (the stand-in's check, as the fake Stripe.js's
 * `handleNextAction` passes or fails it), POST /api/checkout/{id}/pay/confirm settles it through the one settle
 * path: the order and exactly one capture (also when Stripe's webhook settles it at the same moment), or declined
 * with the hold released. A shopper who closes the tab is settled by the recovery sweep: captured once the bank
 * said yes, given back when the payment window ends.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { expectError, shopperWithLines, startedCheckout } from "../api/shop-support";
import { startApp, TEST_CRON_SECRET, type RunningApp } from "../support/app-server";
import { levels, makeProduct } from "../support/fixtures";
import { HttpClient } from "../support/http";
import { until } from "../support/wait";
import { STAND_IN_PAYMENT_METHODS as PM, startStripeStandIn, type StripeStandIn } from "../support/stripe-stand-in";

const SECRET_KEY = "sk_test_standin_3ds_0123456789";
const WEBHOOK_SECRET = "whsec_standin_3ds_0123456789";
const sdk = new Stripe(SECRET_KEY);

let standIn: StripeStandIn;
let app: RunningApp;

beforeAll(async () => {
  standIn = await startStripeStandIn(SECRET_KEY);
  app = await startApp({
    PAYMENT_PROVIDER: "stripe",
    STRIPE_SECRET_KEY: SECRET_KEY,
    STRIPE_PUBLISHABLE_KEY: "pk_test_standin_3ds_0123456789",
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_HOST: standIn.sdkOptions.host,
    STRIPE_API_PORT: String(standIn.port),
    STRIPE_API_PROTOCOL: "http",
    PAYMENT_RECOVERY_AFTER_SECONDS: "1",
  });
});

afterAll(async () => {
  await app?.stop();
  await standIn?.close();
  await pool.end();
});

const intentFor = (paymentId: string) => [...standIn.intents.values()].find((i) => i.metadata.idempotency_key === `stockhold_pay_${paymentId}`)!;
const capturesOf = (intentId: string) => standIn.requests.filter((r) => r === `POST /v1/payment_intents/${intentId}/capture`).length;

async function paymentOf(checkoutId: string) {
  const [row] = await db.execute<{ id: string; status: string; orders: number }>(sql`
    select p.id, p.status, (select count(*)::int from orders o where o.checkout_id = p.checkout_id) as orders
    from payments p where p.checkout_id = ${checkoutId}`);
  return row!;
}

const payWith = (client: HttpClient, checkoutId: string, paymentMethod: string, key = randomUUID()) =>
  client.post(`/api/checkout/${checkoutId}/pay`, { paymentMethod }, { "Idempotency-Key": key });
const confirm = (client: HttpClient, checkoutId: string) => client.post(`/api/checkout/${checkoutId}/pay/confirm`, {});

/** What the shopper's browser does in the bank's check (the fake Stripe.js's handleNextAction calls the same). */
async function bankAnswers(clientSecret: string, outcome: "authorized" | "declined") {
  const id = clientSecret.split("_secret_")[0]!;
  const answer = await fetch(`${standIn.url}/v1/payment_intents/${id}/stand_in_authenticate`, {
    method: "POST",
    body: new URLSearchParams({ client_secret: clientSecret, outcome }),
  });
  expect(answer.status).toBe(200);
}

/** A shopper whose checkout of one unit was paid with the 3-D Secure card: 202, and what the answer carried. */
async function payingWith3ds(product: { id: string }, key = randomUUID()) {
  const client = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
  const checkout = await startedCheckout(client);
  const answered = await payWith(client, checkout.id, PM.threeDSecure, key);
  expect(answered.status, answered.text).toBe(202);
  const payment = await paymentOf(checkout.id);
  return { client, checkout, answered, payment, intent: intentFor(payment.id) };
}

describe("3-D Secure in the browser, then the shop asks Stripe", () => {
  it("requires_action: 202 paying with the client secret; the bank says yes; confirm makes the order with exactly one capture", async () => {
    const product = await makeProduct(3, 900);
    const key = randomUUID();
    const { client, checkout, answered, payment, intent } = await payingWith3ds(product, key);
    expect(intent.status).toBe("requires_action");
    expect(answered.body).toMatchObject({
      checkout: { id: checkout.id, status: "paying" },
      nextAction: { type: "stripe_3ds", clientSecret: intent.client_secret },
    });
    // The same request again: the same answer, the secret asked of Stripe again; no second intent.
    const replay = await payWith(client, checkout.id, PM.threeDSecure, key);
    expect(replay.status, replay.text).toBe(202);
    expect(replay.body.nextAction).toEqual({ type: "stripe_3ds", clientSecret: intent.client_secret });
    expect([...standIn.intents.values()].filter((i) => i.metadata.idempotency_key === `stockhold_pay_${payment.id}`)).toHaveLength(1);

    // Confirmed before the bank answered: still paying, still waiting for the shopper; nothing settled.
    const early = await confirm(client, checkout.id);
    expect(early.status, early.text).toBe(202);
    expect(early.body).toMatchObject({ checkout: { status: "paying" }, nextAction: { clientSecret: intent.client_secret } });
    expect(await paymentOf(checkout.id)).toMatchObject({ status: "processing", orders: 0 });

    await bankAnswers(intent.client_secret, "authorized");
    const confirmed = await confirm(client, checkout.id);
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.body.order).toMatchObject({ id: expect.any(String), status: "paid", totalCents: 900 });
    expect(await paymentOf(checkout.id)).toMatchObject({ status: "captured", orders: 1 });
    expect(standIn.intents.get(intent.id)).toMatchObject({ status: "succeeded", amount_received: 900 });
    expect(await levels(product.id)).toEqual({ on_hand: 3, reserved: 0, allocated: 1 });
    expect((await client.get(`/api/checkout/${checkout.id}`)).body.checkout).toMatchObject({ status: "completed", orderId: confirmed.body.order.id });

    // Asked again, replayed, and told by a late webhook: the same order, never a second capture.
    expect((await confirm(client, checkout.id)).body.order.id).toBe(confirmed.body.order.id);
    const paidReplay = await payWith(client, checkout.id, PM.threeDSecure, key);
    expect(paidReplay.status, paidReplay.text).toBe(200);
    expect(paidReplay.body.order.id).toBe(confirmed.body.order.id);
    const event = standIn.eventFor("payment_intent.succeeded", standIn.intents.get(intent.id)!);
    const webhook = await new HttpClient(app.baseUrl).request("POST", "/api/payments/webhook", {
      body: event,
      headers: { "content-type": "application/json", "stripe-signature": sdk.webhooks.generateTestHeaderString({ payload: event, secret: WEBHOOK_SECRET }) },
    });
    expect(webhook.status, webhook.text).toBe(200);
    expect(await paymentOf(checkout.id)).toMatchObject({ status: "captured", orders: 1 });
    expect(capturesOf(intent.id)).toBe(1);
  });

  it("the page's confirm and Stripe's webhook at once: one order, exactly one capture request at Stripe", async () => {
    const product = await makeProduct(3, 1500);
    const { client, checkout, intent } = await payingWith3ds(product);
    await bankAnswers(intent.client_secret, "authorized");
    const event = standIn.eventFor("payment_intent.amount_capturable_updated", standIn.intents.get(intent.id)!);

    // A slow Stripe, so that the two settlers overlap.
    standIn.postDelayMs = 1_000;
    try {
      const [confirmed, webhook] = await Promise.all([
        confirm(client, checkout.id),
        new HttpClient(app.baseUrl).request("POST", "/api/payments/webhook", {
          body: event,
          headers: { "content-type": "application/json", "stripe-signature": sdk.webhooks.generateTestHeaderString({ payload: event, secret: WEBHOOK_SECRET }) },
        }),
      ]);
      expect(confirmed.status, confirmed.text).toBe(200);
      expect(confirmed.body.order).toMatchObject({ status: "paid", totalCents: 1500 });
      expect(webhook.status, webhook.text).toBe(200);
      await until("the capture's record", async () => (await paymentOf(checkout.id)).status === "captured", 15_000);
    } finally {
      standIn.postDelayMs = 0;
    }
    expect(await paymentOf(checkout.id)).toMatchObject({ status: "captured", orders: 1 });
    expect(capturesOf(intent.id)).toBe(1);
    expect(standIn.intents.get(intent.id)).toMatchObject({ status: "succeeded", amount_received: 1500 });
    expect(await levels(product.id)).toEqual({ on_hand: 3, reserved: 0, allocated: 1 });
  });

  it("the bank says no: confirm answers 402, the hold is released at once, nothing captured", async () => {
    const product = await makeProduct(2, 700);
    const { client, checkout, answered, intent } = await payingWith3ds(product);
    expect(await levels(product.id)).toEqual({ on_hand: 2, reserved: 1, allocated: 0 });

    await bankAnswers(answered.body.nextAction.clientSecret, "declined");
    const refused = await confirm(client, checkout.id);
    expectError(refused, 402, "payment_declined");
    expect(await paymentOf(checkout.id)).toMatchObject({ status: "declined", orders: 0 });
    expect(await levels(product.id)).toEqual({ on_hand: 2, reserved: 0, allocated: 0 });
    expect((await client.get(`/api/checkout/${checkout.id}`)).body.checkout).toMatchObject({ status: "failed", endedBy: "payment" });
    expect(capturesOf(intent.id)).toBe(0);
    // Asked again: the same refusal, nothing moved.
    expectError(await confirm(client, checkout.id), 402, "payment_declined");
    expect(await levels(product.id)).toEqual({ on_hand: 2, reserved: 0, allocated: 0 });
  });

  it("another shopper's checkout is not found; a checkout with no payment has nothing to confirm", async () => {
    const product = await makeProduct(3, 500);
    const { checkout } = await payingWith3ds(product);
    const stranger = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    expectError(await confirm(stranger, checkout.id), 404, "not_found");
    expectError(await confirm(stranger, "not-a-checkout-id"), 404, "not_found");
    const unpaid = await startedCheckout(stranger);
    expectError(await confirm(stranger, unpaid.id), 409, "conflict");
    expect(await paymentOf(checkout.id)).toMatchObject({ status: "processing", orders: 0 });
  });
});

describe("a shopper who closes the tab during 3-D Secure", () => {
  const sweep = () => new HttpClient(app.baseUrl).post("/api/cron/expire-reservations", {}, { authorization: `Bearer ${TEST_CRON_SECRET}` });

  it("the bank said yes, the page never confirmed: the recovery sweep makes the order with one capture", async () => {
    const product = await makeProduct(2, 1100);
    const { checkout, payment, intent } = await payingWith3ds(product);
    await bankAnswers(intent.client_secret, "authorized");
    await db.execute(sql`update payments set updated_at = now() - interval '1 minute' where id = ${payment.id}`);
    expect((await sweep()).status).toBe(200);
    expect(await paymentOf(checkout.id)).toMatchObject({ status: "captured", orders: 1 });
    expect(capturesOf(intent.id)).toBe(1);
    expect(await levels(product.id)).toEqual({ on_hand: 2, reserved: 0, allocated: 1 });
  });

  it("the bank never heard back: the sweep waits while the window lasts, then cancels the intent and releases the hold", async () => {
    const product = await makeProduct(2, 1300);
    const { checkout, payment, intent } = await payingWith3ds(product);
    await db.execute(sql`update payments set updated_at = now() - interval '1 minute' where id = ${payment.id}`);
    expect((await sweep()).status).toBe(200);
    expect(await paymentOf(checkout.id)).toMatchObject({ status: "processing", orders: 0 });
    expect(await levels(product.id)).toEqual({ on_hand: 2, reserved: 1, allocated: 0 });

    // The payment window ends.
    await db.execute(sql`update checkouts set expires_at = now() - interval '1 second' where id = ${checkout.id}`);
    await db.execute(sql`update payments set updated_at = now() - interval '1 minute' where id = ${payment.id}`);
    expect((await sweep()).status).toBe(200);
    expect(await paymentOf(checkout.id)).toMatchObject({ status: "voided", orders: 0 });
    expect(standIn.intents.get(intent.id)).toMatchObject({ status: "canceled", amount_received: 0 });
    expect(await levels(product.id)).toEqual({ on_hand: 2, reserved: 0, allocated: 0 });
    expect(capturesOf(intent.id)).toBe(0);
  });
});
