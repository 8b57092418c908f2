/**
 * Two settlers at once with Stripe (the built app against the local stand-in, whose POSTs take a while so that
 * requests overlap): a webhook and the recovery sweep both settle the same authorized PaymentIntent, and exactly
 * one capture request reaches Stripe — the second settler leaves it to the first rather than meeting Stripe's
 * 409 `idempotency_key_in_use`. The stand-in itself answers an overlapping same-key request with that 409, and a
 * replay after completion with the first answer, as Stripe does.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { shopperWithLines, startedCheckout } from "../api/shop-support";
import { startApp, TEST_CRON_SECRET, type RunningApp } from "../support/app-server";
import { makeProduct } from "../support/fixtures";
import { HttpClient } from "../support/http";
import { until } from "../support/wait";
import { STAND_IN_PAYMENT_METHODS as PM, startStripeStandIn, type StripeStandIn } from "../support/stripe-stand-in";

const SECRET_KEY = "sk_test_standin_settlers_0123";
const WEBHOOK_SECRET = "whsec_standin_settlers_0123";
const sdk = new Stripe(SECRET_KEY);

let standIn: StripeStandIn;
let app: RunningApp;

beforeAll(async () => {
  standIn = await startStripeStandIn(SECRET_KEY);
  app = await startApp({
    PAYMENT_PROVIDER: "stripe",
    STRIPE_SECRET_KEY: SECRET_KEY,
    STRIPE_PUBLISHABLE_KEY: "pk_test_standin_settlers_0123",
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

async function paymentOf(checkoutId: string) {
  const [row] = await db.execute<{ id: string; status: string; orders: number }>(sql`
    select p.id, p.status, (select count(*)::int from orders o where o.checkout_id = p.checkout_id) as orders
    from payments p where p.checkout_id = ${checkoutId}`);
  return row!;
}

describe("the Stripe stand-in's idempotency, as Stripe's", () => {
  it("an overlapping request under the same key gets 409 idempotency_key_in_use; a replay after it the first answer", async () => {
    const stripe = new Stripe(SECRET_KEY, { ...standIn.sdkOptions, maxNetworkRetries: 0 });
    const intent = await stripe.paymentIntents.create(
      { amount: 500, currency: "usd", capture_method: "manual", confirm: true, payment_method: PM.visa },
      { idempotencyKey: `create-${randomUUID()}` },
    );
    const key = `capture-${randomUUID()}`;
    standIn.postDelayMs = 400;
    try {
      const [first, second] = await Promise.allSettled([
        stripe.paymentIntents.capture(intent.id, {}, { idempotencyKey: key }),
        new Promise((resolve) => setTimeout(resolve, 100)).then(() => stripe.paymentIntents.capture(intent.id, {}, { idempotencyKey: key })),
      ]);
      expect(first).toMatchObject({ status: "fulfilled", value: { status: "succeeded" } });
      expect(second).toMatchObject({ status: "rejected", reason: { statusCode: 409, code: "idempotency_key_in_use" } });
    } finally {
      standIn.postDelayMs = 0;
    }
    const replay = await stripe.paymentIntents.capture(intent.id, {}, { idempotencyKey: key });
    expect(replay).toMatchObject({ id: intent.id, status: "succeeded" });
    expect(replay.lastResponse.headers["idempotent-replayed"]).toBe("true");
  });
});

describe("a webhook and the recovery sweep settling the same payment at once", () => {
  it("make one order and exactly one capture request at Stripe", async () => {
    const product = await makeProduct(5, 1100);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const checkout = await startedCheckout(client);
    const answered = await client.post(`/api/checkout/${checkout.id}/pay`, { paymentMethod: PM.threeDSecure }, { "Idempotency-Key": randomUUID() });
    expect(answered.status, answered.text).toBe(202);
    const { id: paymentId } = await paymentOf(checkout.id);
    // The bank confirms; the shop has not heard yet, and its record is old enough for the sweep.
    const intent = standIn.completeAction(intentFor(paymentId).id, "authorized");
    await db.execute(sql`update payments set updated_at = now() - interval '1 minute' where id = ${paymentId}`);
    const event = standIn.eventFor("payment_intent.amount_capturable_updated", intent);

    standIn.postDelayMs = 1_500;
    try {
      const [webhook, sweep] = await Promise.all([
        new HttpClient(app.baseUrl).request("POST", "/api/payments/webhook", {
          body: event,
          headers: { "content-type": "application/json", "stripe-signature": sdk.webhooks.generateTestHeaderString({ payload: event, secret: WEBHOOK_SECRET }) },
        }),
        new HttpClient(app.baseUrl).post("/api/cron/expire-reservations", {}, { authorization: `Bearer ${TEST_CRON_SECRET}` }),
      ]);
      expect(webhook.status, webhook.text).toBe(200);
      expect(sweep.status, sweep.text).toBe(200);
      await until("the capture's record", async () => (await paymentOf(checkout.id)).status === "captured", 15_000);
    } finally {
      standIn.postDelayMs = 0;
    }

    expect(await paymentOf(checkout.id)).toMatchObject({ status: "captured", orders: 1 });
    expect(standIn.requests.filter((r) => r === `POST /v1/payment_intents/${intent.id}/capture`)).toHaveLength(1);
    expect(standIn.intents.get(intent.id)).toMatchObject({ status: "succeeded", amount_received: 1100 });
  });
});
