/**
 * Asynchronous payments over HTTP: the provider answers "processing" and tells the shop later by a signed
 * webhook — which may come before the shop's own request returns, twice, out of order, with a bad or stale
 * signature, after the payment window, or while the app is down. Every way ends in exactly one outcome.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { signPayload, SIGNATURE_HEADER } from "@/lib/payments/signature";
import { startApp, type RunningApp } from "../support/app-server";
import { levels, makeProduct } from "../support/fixtures";
import { HttpClient } from "../support/http";
import { sleep, until } from "../support/wait";
import { CARDS, expectError, pay, shopperWithLines, startedCheckout } from "./shop-support";

const SECRET = "whsec_test_0123456789";
let app: RunningApp;
const env = { PAYMENT_WEBHOOK_SECRET: SECRET, PAYMENT_TEST_WEBHOOK_DELAY_MS: "400", PAYMENT_RECOVERY_AFTER_SECONDS: "30" };

beforeAll(async () => {
  app = await startApp(env);
});

afterAll(async () => {
  await app?.stop();
  await pool.end();
});

const statusOf = async (client: HttpClient, checkoutId: string) => (await client.get(`/api/checkout/${checkoutId}`)).body.checkout;

async function counts(checkoutId: string) {
  const [row] = await db.execute<{ orders: number; payment: string; charged: string | null }>(sql`
    select (select count(*)::int from orders where checkout_id = ${checkoutId}) as orders,
           (select status from payments where checkout_id = ${checkoutId}) as payment,
           (select t.status from test_provider_payments t join payments p on t.idempotency_key = 'stockhold_pay_' || p.id
             where p.checkout_id = ${checkoutId}) as charged`);
  return row!;
}

/** The order is made before the capture (authorize, allocate, capture), so a completed checkout's payment may
 * still read "authorized" for a moment: waits for the capture's record. */
const captureRecorded = (checkoutId: string) =>
  until("the capture's record", async () => (await counts(checkoutId)).payment !== "authorized", 10_000);

/** A shopper's checkout put into `paying` with a payment record the provider has authorized, as if the pay
 * request were still on its way back: the state in which a webhook can arrive first. */
async function payingWithAuthorizedPayment(client: HttpClient) {
  const checkout = await startedCheckout(client);
  const paymentId = randomUUID();
  await db.execute(sql`update checkouts set status = 'paying', expires_at = now() + interval '10 minutes',
    hard_expires_at = greatest(hard_expires_at, now() + interval '10 minutes') where id = ${checkout.id}`);
  await db.execute(sql`update reservations set expires_at = now() + interval '10 minutes' where checkout_id = ${checkout.id}`);
  await db.execute(sql`insert into payments (id, checkout_id, shopper_id, request_key, provider, amount_cents)
    select ${paymentId}, id, shopper_id, 'first', 'test', total_cents from checkouts where id = ${checkout.id}`);
  await db.execute(sql`insert into test_provider_payments (idempotency_key, reference, amount_cents, card_last4, status)
    values (${`stockhold_pay_${paymentId}`}, ${`test_pi_${paymentId.slice(0, 8)}`}, ${checkout.totalCents}, '4242', 'authorized')`);
  return { checkout, key: `stockhold_pay_${paymentId}` };
}

function event(key: string, type = "payment.authorized", id = `evt_${randomUUID()}`) {
  return JSON.stringify({ id, type, created: Math.floor(Date.now() / 1000), data: { object: { idempotencyKey: key } } });
}

const postWebhook = (body: string, signature: string | null = signPayload(SECRET, body)) =>
  new HttpClient(app.baseUrl).request("POST", "/api/payments/webhook", {
    body,
    headers: { "content-type": "application/json", ...(signature ? { [SIGNATURE_HEADER]: signature } : {}) },
  });

describe("the test provider's asynchronous cards", () => {
  it("success: 202 paying, then the webhook makes exactly one order, with no reload and no cron", async () => {
    const product = await makeProduct(3, 1800);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 2 }]);
    const checkout = await startedCheckout(client);

    const answered = await pay(client, checkout.id, CARDS.asyncPays);
    expect(answered.status, answered.text).toBe(202);
    expect(answered.body.checkout.status).toBe("paying");

    await until("the webhook", async () => (await statusOf(client, checkout.id)).status !== "paying", 10_000);
    expect(await statusOf(client, checkout.id)).toMatchObject({ status: "completed", endedBy: "payment", orderId: expect.any(String) });
    await captureRecorded(checkout.id);
    expect(await counts(checkout.id)).toEqual({ orders: 1, payment: "captured", charged: "captured" });
    expect(await levels(product.id)).toEqual({ on_hand: 3, reserved: 0, allocated: 2 });
  });

  it("decline: 202 paying, then the webhook releases the hold at once and the checkout fails", async () => {
    const product = await makeProduct(2);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 2 }]);
    const checkout = await startedCheckout(client);

    expect((await pay(client, checkout.id, CARDS.asyncDeclined)).status).toBe(202);
    expect(await levels(product.id)).toEqual({ on_hand: 2, reserved: 2, allocated: 0 });

    await until("the webhook", async () => (await statusOf(client, checkout.id)).status !== "paying", 10_000);
    expect(await statusOf(client, checkout.id)).toMatchObject({ status: "failed", endedBy: "payment", payment: { status: "declined" } });
    expect(await levels(product.id)).toEqual({ on_hand: 2, reserved: 0, allocated: 0 });
    expect(await counts(checkout.id)).toEqual({ orders: 0, payment: "declined", charged: "declined" });
  });
});

describe("POST /api/payments/webhook", () => {
  it("a webhook before the shop's own answer settles the payment; the request then finds the order", async () => {
    const product = await makeProduct(2, 900);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const { checkout, key } = await payingWithAuthorizedPayment(client);

    const delivered = await postWebhook(event(key));
    expect(delivered.status, delivered.text).toBe(200);
    expect(delivered.body).toEqual({ received: true, duplicate: false });

    const answer = await pay(client, checkout.id, CARDS.pays, "first");
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.order.id).toBe((await statusOf(client, checkout.id)).orderId);
    expect(await counts(checkout.id)).toEqual({ orders: 1, payment: "captured", charged: "captured" });
  });

  it("a duplicate event, and a stale 'processing' one after it, change nothing", async () => {
    const product = await makeProduct(2);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const { checkout, key } = await payingWithAuthorizedPayment(client);
    const authorized = event(key, "payment.authorized", `evt_dup_${randomUUID()}`);

    const [a, b] = await Promise.all([postWebhook(authorized), postWebhook(authorized)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const again = await postWebhook(authorized);
    expect(again.body).toEqual({ received: true, duplicate: true });
    const late = await postWebhook(event(key, "payment.processing"));
    expect(late.status).toBe(200);

    expect(await counts(checkout.id)).toEqual({ orders: 1, payment: "captured", charged: "captured" });
    expect(await levels(product.id)).toEqual({ on_hand: 2, reserved: 0, allocated: 1 });
    const [events] = await db.execute<{ n: number }>(sql`select count(*)::int as n from payment_events where event_id = ${JSON.parse(authorized).id}`);
    expect(events!.n).toBe(1);
  });

  it("refuses a bad, missing or stale signature with 400, and nothing changes", async () => {
    const product = await makeProduct(2);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const { checkout, key } = await payingWithAuthorizedPayment(client);
    const body = event(key);

    expectError(await postWebhook(body, null), 400, "invalid_request");
    expectError(await postWebhook(body, signPayload("whsec_wrong", body)), 400, "invalid_request");
    expectError(await postWebhook(body, signPayload(SECRET, body, Math.floor(Date.now() / 1000) - 3600)), 400, "invalid_request");
    expectError(await postWebhook(`${body} `, signPayload(SECRET, body)), 400, "invalid_request");
    expectError(await postWebhook("not json", signPayload(SECRET, "not json")), 400, "invalid_request");

    expect(await counts(checkout.id)).toEqual({ orders: 0, payment: "processing", charged: "authorized" });
    expect((await statusOf(client, checkout.id)).status).toBe("paying");
    expect(await db.execute(sql`select 1 from payment_events where event_id = ${JSON.parse(body).id}`)).toHaveLength(0);
  });

  it("a success after the payment window, with the stock gone, is voided: no order, nothing double-counted", async () => {
    const product = await makeProduct(1, 5000);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const { checkout, key } = await payingWithAuthorizedPayment(client);
    // The window ended before the bank answered, and another shopper took the unit.
    await db.execute(sql`update reservations set expires_at = now() - interval '1 second' where checkout_id = ${checkout.id}`);
    await db.execute(sql`update checkouts set expires_at = now() - interval '1 second' where id = ${checkout.id}`);
    const rival = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const rivalCheckout = await startedCheckout(rival);

    expect((await postWebhook(event(key))).status).toBe(200);

    expect(await counts(checkout.id)).toEqual({ orders: 0, payment: "voided", charged: "voided" });
    expect(await statusOf(client, checkout.id)).toMatchObject({ status: "failed", endedBy: "payment" });
    expect((await statusOf(rival, rivalCheckout.id)).status).toBe("active");
    expect(await levels(product.id)).toEqual({ on_hand: 1, reserved: 1, allocated: 0 });
    // The shopper who paid late is told the stock was gone and that nothing was charged.
    expectError(await pay(client, checkout.id, CARDS.pays, "first"), 409, "insufficient_stock");
  });
});

describe("a webhook due while the app is down", () => {
  it("is delivered after the restart from the provider's own record: one order", async () => {
    const product = await makeProduct(2, 700);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const checkout = await startedCheckout(client);
    await app.stop();
    app = await startApp({ ...env, PAYMENT_TEST_WEBHOOK_DELAY_MS: "1500" });
    client.baseUrl = app.baseUrl;

    expect((await pay(client, checkout.id, CARDS.asyncPays)).status).toBe(202);
    await app.kill();
    await sleep(1_700); // the webhook falls due while nothing listens
    const [undelivered] = await db.execute<{ attempts: number; delivered: boolean }>(sql`
      select t.webhook_attempts as attempts, t.webhook_delivered_at is not null as delivered
      from test_provider_payments t join payments p on t.idempotency_key = 'stockhold_pay_' || p.id where p.checkout_id = ${checkout.id}`);
    expect(undelivered!.delivered).toBe(false);

    app = await startApp(env);
    client.baseUrl = app.baseUrl;
    await until("the redelivered webhook", async () => (await statusOf(client, checkout.id)).status !== "paying", 15_000);
    expect(await statusOf(client, checkout.id)).toMatchObject({ status: "completed", orderId: expect.any(String) });
    await captureRecorded(checkout.id);
    expect(await counts(checkout.id)).toEqual({ orders: 1, payment: "captured", charged: "captured" });
  }, 60_000);
});
